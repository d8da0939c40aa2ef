using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// What an organiser does on the security page and at the second step of sign-in, as HTTP. TOTP
/// codes are computed here by a few lines of RFC 6238 of our own, not by the app's library, so a
/// wrong use of Otp.NET (step, digits, hash, key encoding) would show.
/// </summary>
public static partial class SecondFactorSteps
{
    public sealed record Enrolled(string Secret, IReadOnlyList<string> RecoveryCodes);

    /// <summary>Sets up an authenticator app at <paramref name="now"/> and returns its key and the recovery codes shown once.</summary>
    public static async Task<Enrolled> EnrolTotpAsync(this HttpClient browser, DateTimeOffset now)
    {
        var started = await browser.SubmitAsync("/admin/security", "/admin/security/totpStart", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var page = await started.Content.ReadAsStringAsync();
        var secret = TotpSecret().Match(page).Groups[1].Value;
        Assert.NotEmpty(secret);
        var confirmed = await browser.PostFromAsync(page, "/admin/security/totpConfirm", new Dictionary<string, string>
        {
            ["secret"] = SealedSecret().Match(page).Groups[1].Value, ["code"] = Code(secret, now),
        });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return new Enrolled(secret, RecoveryCodesIn(await confirmed.Content.ReadAsStringAsync()));
    }

    public static IReadOnlyList<string> RecoveryCodesIn(string html) =>
        RecoveryCode().Matches(html).Select(m => m.Groups[1].Value).ToList();

    /// <summary>Password, then (if asked) the second step: the answer to the password form.</summary>
    public static Task<HttpResponseMessage> PasswordAsync(this HttpClient browser, string email = Organisers.OwnerEmail,
        string password = Organisers.OwnerPassword) => browser.SignInAsync(email, password);

    public static Task<HttpResponseMessage> TotpStepAsync(this HttpClient browser, string code) =>
        browser.SubmitAsync("/admin/signin/verify", "/admin/signin/verify/totp", new Dictionary<string, string> { ["code"] = code });

    public static Task<HttpResponseMessage> RecoveryStepAsync(this HttpClient browser, string code) =>
        browser.SubmitAsync("/admin/signin/verify", "/admin/signin/verify/recovery",
            new Dictionary<string, string> { ["recoveryCode"] = code });

    public static Task<HttpResponseMessage> ChangePasswordAsync(this HttpClient browser, string current, string next) =>
        browser.SubmitAsync("/admin/security", "/admin/security/password", new Dictionary<string, string>
        {
            ["currentPassword"] = current, ["newPassword"] = next, ["newPasswordConfirmation"] = next,
        });

    /// <summary>Posts a form of an already loaded page, with that page's anti-forgery token.</summary>
    public static Task<HttpResponseMessage> PostFromAsync(this HttpClient browser, string page, string action,
        IDictionary<string, string> fields) =>
        browser.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = Antiforgery().Match(page).Groups[1].Value,
        }));

    /// <summary>Posts JSON as passkeys.js does: the anti-forgery token of an already loaded page in the header.</summary>
    public static Task<HttpResponseMessage> PostJsonFromAsync(this HttpClient browser, string page, string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("RequestVerificationToken", Antiforgery().Match(page).Groups[1].Value);
        return browser.SendAsync(request);
    }

    /// <summary>RFC 6238 with SHA-1, 6 digits, 30-second steps, from the Base32 key an authenticator app is given.</summary>
    public static string Code(string base32Secret, DateTimeOffset at)
    {
        var step = at.ToUnixTimeSeconds() / 30;
        var counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian) Array.Reverse(counter);
        var hash = HMACSHA1.HashData(Base32(base32Secret), counter);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var value = 0;
        var bytes = new List<byte>();
        foreach (var ch in text.TrimEnd('=').ToUpperInvariant())
        {
            value = (value << 5) | alphabet.IndexOf(ch, StringComparison.Ordinal);
            bits += 5;
            if (bits < 8) continue;
            bytes.Add((byte)(value >> (bits - 8)));
            bits -= 8;
        }
        return bytes.ToArray();
    }

    /// <summary>A 6-digit code that is not the right one at <paramref name="at"/> nor a step either side.</summary>
    public static string WrongCode(string secret, DateTimeOffset at)
    {
        var near = new[] { -30, 0, 30 }.Select(s => Code(secret, at.AddSeconds(s))).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !near.Contains(c));
    }

    [GeneratedRegex("<code id=\"totp-secret\">([A-Z2-7]+)</code>")]
    private static partial Regex TotpSecret();

    [GeneratedRegex("name=\"secret\" value=\"([^\"]+)\"")]
    private static partial Regex SealedSecret();

    [GeneratedRegex("<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")]
    private static partial Regex RecoveryCode();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
