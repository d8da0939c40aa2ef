using EventPortal.Web.Admin.Security;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EventPortal.Web.Admin;

/// <summary><c>/admin/signin</c>. One message for every failure, so the form reveals no accounts.</summary>
[AllowAnonymous]
[EnableRateLimiting(Shared.RateLimits.SignIn)]
public sealed class SignInPageModel(Db db, TimeProvider clock) : PageModel
{
    public string? Email { get; private set; }
    public bool Failed { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) =>
        await Accounts.AnyAsync(db, ct) ? Page() : Redirect("/admin/setup");

    public async Task<IActionResult> OnPostAsync(string? returnUrl, CancellationToken ct)
    {
        Email = Request.Form["email"].ToString().Trim();
        var password = Request.Form["password"].ToString();
        var now = clock.GetUtcNow().UtcDateTime;
        var (result, who) = Email.Length is > 0 and <= 254 && password.Length is > 0 and <= 1024
            ? await Accounts.SignInAsync(db, Email, password, now, ct)
            : (Accounts.SignInResult.Failed, null);
        if (result != Accounts.SignInResult.Ok || who is null)
        {
            await Audit.RecordAsync(db, HttpContext, "signin.failed", Email.Length > 254 ? Email[..254] : Email, "", now,
                actor: "anonymous");
            Failed = true;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        var target = SafeReturn(returnUrl);
        if ((await SecondFactors.OfAsync(db, who.Id, ct)).Any)
        {
            // The password was right; the session starts only after the second factor.
            await PendingSignIn.StartAsync(HttpContext, who);
            return Redirect("/admin/signin/verify" + (target == Home ? "" : "?returnUrl=" + Uri.EscapeDataString(target)));
        }
        await Sessions.SignInAsync(HttpContext, db, who, "", now);
        await Audit.RecordAsync(db, HttpContext, "signin", who.Email, "", now, actor: who.Email);
        return LocalRedirect(await SecondFactors.RequiredAsync(db, ct) ? "/admin/security" : target);
    }

    const string Home = "/admin/events";

    /// <summary>Only a console path: never another site, never a protocol-relative <c>//host</c>.</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 1 } && returnUrl.StartsWith("/admin", StringComparison.Ordinal)
            && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.Contains('\\') ? returnUrl : Home;
}
