using Microsoft.AspNetCore.Localization;

namespace EventPortal.Web.Localization;

public static class CultureEndpoints
{
    /// <summary>
    /// <c>GET /culture/{language}?returnUrl=/…</c>: the language switch in the page header.
    /// A plain link, so it works without JavaScript; the choice is kept in a cookie for a year.
    /// </summary>
    public static void MapCultureSwitch(this IEndpointRouteBuilder app) =>
        app.MapGet("/culture/{language}", (string language, string? returnUrl, HttpContext context) =>
        {
            if (!Text.Languages.Contains(language))
                return Results.NotFound();
            context.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax,
                    HttpOnly = true, Secure = context.Request.IsHttps });
            // Only our own paths: "//evil.example" and "/\evil.example" are other origins to a browser.
            // No control characters (a header cannot hold them); anything beyond ASCII percent-encoded.
            var safe = returnUrl is { Length: > 0 } && returnUrl[0] == '/'
                && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
                && !returnUrl.Any(char.IsControl);
            return Results.Redirect(safe ? AsciiOnly(returnUrl!) : "/");
        });

    static string AsciiOnly(string url)
    {
        if (url.All(c => c is > ' ' and < '\u007f')) return url;
        var b = new System.Text.StringBuilder();
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (rune.Value is > ' ' and < 0x7f) { b.Append((char)rune.Value); continue; }
            foreach (var x in bytes[..rune.EncodeToUtf8(bytes)])
                b.Append('%').Append(x.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return b.ToString();
    }
}
