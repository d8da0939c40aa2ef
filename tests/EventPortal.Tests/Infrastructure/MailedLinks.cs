using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// Address confirmation (double opt-in) as a registrant goes through it: register, find the link
/// in the mail the real SMTP server received, open it. Links are read from the mail, never from the
/// database, so a test passes only if the mail really carries a working link.
/// </summary>
public static partial class MailedLinks
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Every message to <paramref name="address"/>, once at least <paramref name="count"/> have arrived.</summary>
    public static async Task<IReadOnlyList<ReceivedMail>> MailToAsync(this SmtpServer smtp, string address, int count = 1,
        TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? Wait);
        while (true)
        {
            var mine = (await smtp.MessagesAsync()).Where(m => m.RcptTos.Contains(address)).ToList();
            if (mine.Count >= count) return mine;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{count} mail(s) to {address} expected, {mine.Count} arrived: "
                    + string.Join(", ", mine.Select(m => m.Subject)));
            await Task.Delay(100);
        }
    }

    /// <summary>The path of the confirmation link (<c>/r/{token}/confirm</c>) in the newest mail to the address that has one.</summary>
    public static async Task<string> ConfirmLinkAsync(this SmtpServer smtp, string address, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? Wait);
        while (true)
        {
            foreach (var mail in (await smtp.MailToAsync(address, wait: wait)).Reverse())
                if (ConfirmUrl().Match(mail.Text("text/plain") ?? "") is { Success: true } link) return link.Groups[1].Value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no mail to {address} with a confirmation link");
            await Task.Delay(100);
        }
    }

    /// <summary>Opens the mailed confirmation link; returns where it sent the browser (the personal page, with a notice).</summary>
    public static async Task<string> OpenConfirmLinkAsync(this HttpClient browser, SmtpServer smtp, string address)
    {
        var response = await browser.GetAsync(await smtp.ConfirmLinkAsync(address));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>
    /// Registers by API for a ticket that confirms addresses, then confirms through the mailed link,
    /// as the owner of the address does. Returns the personal page path (<c>/r/{token}</c>).
    /// </summary>
    public static async Task<string> ConfirmedRegistrationAsync(this HttpClient client, SmtpServer smtp, string slug, string email,
        string ticket = "live")
    {
        var response = await client.RegisterAsync(slug, email, ticket);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("manageUrl").ValueKind);
        var landed = await client.OpenConfirmLinkAsync(smtp, email);
        Assert.EndsWith("?done=confirmed", landed);
        return landed[..landed.IndexOf('?', StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"https?://[^/\s]+(/r/[A-Za-z0-9_-]{24}/confirm)")]
    private static partial Regex ConfirmUrl();
}
