using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// <c>/admin/security</c>: one's own sign-in. An authenticator app (<c>SecurityPage.Totp.cs</c>),
/// passkeys (<c>SecurityPage.Passkeys.cs</c>), recovery codes and the password. Every change is
/// in the audit log. When the owner requires a second factor and this account has none, this
/// is the only console page it can open (<see cref="SecondFactorGate"/>).
/// </summary>
public sealed partial class SecurityPageModel(Db db, Passkeys passkeys, IDataProtectionProvider protection, TimeProvider clock)
    : PageModel
{
    public SecondFactors.Factors Factors { get; private set; } = new(false, 0, 0);
    public IReadOnlyList<Passkeys.Stored> MyPasskeys { get; private set; } = [];
    public bool MustEnrol { get; private set; }
    /// <summary>Recovery codes just made: the only time anyone sees them.</summary>
    public IReadOnlyList<string>? NewRecoveryCodes { get; private set; }
    public string? ErrorKey { get; private set; }
    public string? ErrorField { get; private set; }
    public string? NoticeKey { get; private set; }

    long AdminId => long.Parse(User.FindFirst("admin_id")!.Value, CultureInfo.InvariantCulture);
    string Email => User.Identity!.Name!;
    DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task OnGetAsync(string? done, CancellationToken ct)
    {
        NoticeKey = done is "totpRemoved" or "passkeyAdded" or "passkeyRemoved" or "password" ? "adminSecurity.done." + done : null;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostRecoveryAsync(CancellationToken ct)
    {
        var now = Now;
        NewRecoveryCodes = await db.WriteAsync(async (c, tx) =>
        {
            if (!(await SecondFactors.OfAsync(c, AdminId, ct, tx)).Any) return null;
            var codes = await SecondFactors.NewRecoveryCodesAsync(c, tx, AdminId, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "recovery.regenerate", Email, "", now, ct);
            return codes;
        }, ct);
        if (NewRecoveryCodes is null) return await FailAsync("adminSecurity.recoveryNeedsFactor", null, ct);
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>A new password: the current one first, then the rules; every other session of the account ends.</summary>
    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken ct)
    {
        var current = Request.Form["currentPassword"].ToString();
        var password = Request.Form["newPassword"].ToString();
        var hash = await QueryHashAsync(ct);
        if (current.Length is 0 or > Passwords.MaxLength || !Accounts.Matches(hash, current))
            return await FailAsync("adminSecurity.currentPasswordWrong", "currentPassword", ct);
        if (Passwords.Problem(password) is { } problem) return await FailAsync(problem, "newPassword", ct);
        if (password != Request.Form["newPasswordConfirmation"].ToString())
            return await FailAsync("admin.passwordMismatch", "newPasswordConfirmation", ct);
        var now = Now;
        var keep = Sessions.CurrentHash(User);
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition("UPDATE admins SET password_hash = @hash WHERE id = @id",
                new { id = AdminId, hash = Accounts.Hash(password) }, tx, cancellationToken: ct));
            var ended = await Sessions.RevokeOthersAsync(c, tx, AdminId, keep, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "password.change", Email, $"{ended} other sessions ended", now, ct);
            return 0;
        }, ct);
        return Redirect("/admin/security?done=password");
    }

    async Task<string> QueryHashAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT password_hash FROM admins WHERE id = @id", new { id = AdminId }, cancellationToken: ct));
    }

    /// <summary>Bad input: the page again with the message, 422, nothing changed.</summary>
    async Task<IActionResult> FailAsync(string errorKey, string? field, CancellationToken ct)
    {
        ErrorKey = errorKey;
        ErrorField = field;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        Factors = await SecondFactors.OfAsync(connection, AdminId, ct);
        MyPasskeys = await Passkeys.OfAsync(connection, AdminId, ct);
        MustEnrol = User.HasClaim(Sessions.NeedsSecondFactorClaim, "true") && !Factors.Any;
    }

    /// <summary>After the first factor is added: recovery codes, unless the account has some already.</summary>
    static async Task<IReadOnlyList<string>?> FirstRecoveryCodesAsync(System.Data.Common.DbConnection c,
        System.Data.Common.DbTransaction tx, long adminId, DateTime now, CancellationToken ct) =>
        (await SecondFactors.OfAsync(c, adminId, ct, tx)).RecoveryCodesLeft > 0
            ? null
            : await SecondFactors.NewRecoveryCodesAsync(c, tx, adminId, now, ct);
}
