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
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true, Secure = context.Request.IsHttps });
            // Only our own paths: "//evil.example" and "/\evil.example" are other origins to a browser.
            var safe = returnUrl is { Length: > 0 } && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'));
            return Results.Redirect(safe ? returnUrl! : "/");
        });
}
