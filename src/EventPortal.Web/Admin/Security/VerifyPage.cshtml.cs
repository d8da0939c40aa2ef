using EventPortal.Web.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// <c>/admin/signin/verify</c>: the second step of sign-in, after a right password, for an account
/// with a second factor. A passkey (JavaScript: the browser's WebAuthn), a code from the
/// authenticator app, or one of the recovery codes. Wrong answers count towards the lock-out.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(Shared.RateLimits.SignIn)]
public sealed class VerifyPageModel(Db db, Passkeys passkeys, TimeProvider clock) : PageModel
{
    public SecondFactors.Factors Factors { get; private set; } = new(false, 0, 0);
    public string? ErrorKey { get; private set; }
    public string ReturnUrl { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string? returnUrl, CancellationToken ct)
    {
        if (await WhoAsync(ct) is not { } who) return Redirect("/admin/signin");
        return await ShowAsync(who, returnUrl, null, ct);
    }

    public async Task<IActionResult> OnPostTotpAsync(string? returnUrl, CancellationToken ct)
    {
        if (await WhoAsync(ct) is not { } who) return Redirect("/admin/signin");
        var now = Now;
        var code = Request.Form["code"].ToString();
        if (await db.WriteAsync((c, tx) => Totp.VerifyAsync(c, tx, who.Id, code, now, ct), ct))
            return await CompleteAsync(who, "totp", returnUrl);
        await PendingSignIn.FailAsync(HttpContext, db, who, "totp", now);
        return await ShowAsync(who, returnUrl, "adminSignIn.wrongCode", ct);
    }

    public async Task<IActionResult> OnPostRecoveryAsync(string? returnUrl, CancellationToken ct)
    {
        if (await WhoAsync(ct) is not { } who) return Redirect("/admin/signin");
        var now = Now;
        var code = Request.Form["recoveryCode"].ToString();
        var left = await db.WriteAsync(async (c, tx) =>
        {
            if (!await SecondFactors.UseRecoveryCodeAsync(c, tx, who.Id, code, now, ct)) return -1;
            var remaining = (await SecondFactors.OfAsync(c, who.Id, ct, tx)).RecoveryCodesLeft;
            await Audit.WriteAsync(c, tx, HttpContext, "recovery.used", who.Email, $"{remaining} left", now, ct);
            return remaining;
        }, ct);
        if (left >= 0) return await CompleteAsync(who, "recovery", returnUrl);
        await PendingSignIn.FailAsync(HttpContext, db, who, "recovery", now);
        return await ShowAsync(who, returnUrl, "adminSignIn.wrongRecoveryCode", ct);
    }

    /// <summary>JSON for <c>navigator.credentials.get</c>, limited to this account's passkeys.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync(CancellationToken ct)
    {
        if (await WhoAsync(ct) is not { } who) return Unauthorized();
        await using var connection = await db.OpenAsync(ct);
        var mine = await Passkeys.OfAsync(connection, who.Id, ct);
        if (mine.Count == 0) return NotFound();
        return Content(passkeys.BeginAssertion(HttpContext, mine), "application/json");
    }

    /// <summary>The browser's signed answer: a session on success (JSON with where to go), 401 with a message otherwise.</summary>
    public async Task<IActionResult> OnPostPasskeyAsync(string? returnUrl, CancellationToken ct)
    {
        if (await WhoAsync(ct) is not { } who) return Unauthorized();
        var answer = await PasskeyBody.ReadAsync(Request, ct);
        await using var connection = await db.OpenAsync(ct);
        var mine = await Passkeys.OfAsync(connection, who.Id, ct);
        var now = Now;
        if (answer is null || await passkeys.FinishAssertionAsync(HttpContext, answer, mine, ct) is not { } used)
        {
            await PendingSignIn.FailAsync(HttpContext, db, who, "passkey", now);
            return new JsonResult(new { error = Localization.Text.Get("adminSignIn.passkeyFailed", Localization.Text.Current) })
                { StatusCode = StatusCodes.Status401Unauthorized };
        }
        await db.WriteAsync((c, tx) => Dapper.SqlMapper.ExecuteAsync(c, new Dapper.CommandDefinition(
            "UPDATE admin_passkeys SET sign_count = @count, last_used_at = @now WHERE id = @Id",
            new { used.Passkey.Id, count = (long)used.SignCount, now }, tx, cancellationToken: ct)), ct);
        await PendingSignIn.CompleteAsync(HttpContext, db, who, "passkey", now);
        return new JsonResult(new { redirect = SignInPageModel.SafeReturn(returnUrl) });
    }

    DateTime Now => clock.GetUtcNow().UtcDateTime;

    Task<Organiser?> WhoAsync(CancellationToken ct) => PendingSignIn.WhoAsync(HttpContext, db, Now, ct);

    async Task<IActionResult> CompleteAsync(Organiser who, string factor, string? returnUrl)
    {
        await PendingSignIn.CompleteAsync(HttpContext, db, who, factor, Now);
        return LocalRedirect(SignInPageModel.SafeReturn(returnUrl));
    }

    async Task<IActionResult> ShowAsync(Organiser who, string? returnUrl, string? errorKey, CancellationToken ct)
    {
        Factors = await SecondFactors.OfAsync(db, who.Id, ct);
        ReturnUrl = SignInPageModel.SafeReturn(returnUrl);
        ErrorKey = errorKey;
        if (errorKey is not null) Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }
}
