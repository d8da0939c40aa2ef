using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventPortal.Tests.Infrastructure;

/// <summary>What a registrant does, as HTTP: register by API or form, open the personal page, cancel, switch.</summary>
public static partial class Journeys
{
    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string slug, string email, string ticket = "live") =>
        client.PostAsJsonAsync($"/api/events/{slug}/registrations", new
        {
            familyName = "山田", givenName = "花子", email, organization = "テスト市役所", ticketType = ticket, consent = true,
        });

    /// <summary>Registers by API and returns the personal page path (<c>/r/{token}</c>).</summary>
    public static async Task<string> RegisteredAsync(this HttpClient client, string slug, string email, string ticket = "live")
    {
        var response = await client.RegisterAsync(slug, email, ticket);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Uri(body.GetProperty("manageUrl").GetString()!).AbsolutePath;
    }

    public static Dictionary<string, string> ValidForm(string email, string ticket = "live") => new()
    {
        ["familyName"] = "山田", ["givenName"] = "花子", ["reading"] = "ヤマダ ハナコ",
        ["email"] = email, ["emailConfirmation"] = email, ["organization"] = "テスト市役所",
        ["category"] = "municipal", ["ticketType"] = ticket, ["consent"] = "yes",
    };

    /// <summary>
    /// Loads <paramref name="pagePath"/> (for its anti-forgery token and cookie, and the registration form's signed start
    /// time) and posts the form to <paramref name="actionPath"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> SubmitAsync(
        this HttpClient browser, string pagePath, string actionPath, IDictionary<string, string> fields)
    {
        var page = await browser.GetStringAsync(pagePath);
        return await browser.PostAsync(actionPath, new FormUrlEncodedContent(WithHiddenFields(page, pagePath, fields)));
    }

    /// <summary>The fields as a browser sends them: what was typed, plus the page's anti-forgery token and form start time.</summary>
    public static Dictionary<string, string> WithHiddenFields(string page, string pagePath, IDictionary<string, string> fields)
    {
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, $"no anti-forgery token on {pagePath}");
        var all = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token.Groups[1].Value };
        if (FormStarted().Match(page) is { Success: true } started && !all.ContainsKey("formStarted"))
            all["formStarted"] = System.Net.WebUtility.HtmlDecode(started.Groups[1].Value);
        return all;
    }

    /// <summary>A file form as a browser sends it (multipart): the fields, the page's hidden ones, and the file as CSV.</summary>
    public static MultipartFormDataContent Upload(string page, string pagePath, byte[] file, string fileName,
        IDictionary<string, string>? fields = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in WithHiddenFields(page, pagePath, fields ?? new Dictionary<string, string>()))
            form.Add(new StringContent(value), name);
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        form.Add(content, "file", fileName);
        return form;
    }

    /// <summary>The same form sent twice at once, as from a double click or two tabs.</summary>
    public static async Task<HttpResponseMessage[]> SubmitTwiceAsync(
        this HttpClient browser, string pagePath, string actionPath, IDictionary<string, string> fields)
    {
        var all = WithHiddenFields(await browser.GetStringAsync(pagePath), pagePath, fields);
        return await Task.WhenAll(
            browser.PostAsync(actionPath, new FormUrlEncodedContent(all)),
            browser.PostAsync(actionPath, new FormUrlEncodedContent(all)));
    }

    public static Task<HttpResponseMessage> FormRegisterAsync(this HttpClient browser, string slug, IDictionary<string, string> fields) =>
        browser.SubmitAsync($"/events/{slug}", $"/events/{slug}/register", fields);

    public static Task<HttpResponseMessage> CancelAsync(this HttpClient browser, string managePath) =>
        browser.SubmitAsync($"{managePath}/cancel", $"{managePath}/cancel", new Dictionary<string, string>());

    public static Task<HttpResponseMessage> SwitchAsync(this HttpClient browser, string managePath, string ticket) =>
        browser.SubmitAsync(managePath, $"{managePath}/switch", new Dictionary<string, string> { ["ticketType"] = ticket });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("name=\"formStarted\" value=\"([^\"]+)\"")]
    private static partial Regex FormStarted();
}
