using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace EventPortal.Web.Admin.Security;

/// <summary>The authenticator app: set up (QR code and secret, confirmed by one code), and remove.</summary>
public sealed partial class SecurityPageModel
{
    /// <summary>The secret being set up, shown as a QR code and as text until a code confirms it.</summary>
    public string? PendingSecret { get; private set; }
    /// <summary>The same secret, encrypted and bound to this account, in the confirmation form (no server state in between).</summary>
    public string? PendingSecretSealed { get; private set; }

    ITimeLimitedDataProtector SetupProtector => protection.CreateProtector("EventPortal.TotpSetup").ToTimeLimitedDataProtector();

    public string TotpUri => Totp.Uri("EventPortal", Email, PendingSecret ?? "");

    public async Task<IActionResult> OnPostTotpStartAsync(CancellationToken ct)
    {
        PendingSecret = Totp.NewSecret();
        PendingSecretSealed = SetupProtector.Protect($"{AdminId}:{PendingSecret}", TimeSpan.FromMinutes(15));
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostTotpConfirmAsync(CancellationToken ct)
    {
        var secret = Unseal(Request.Form["secret"].ToString());
        if (secret is null) return await FailAsync("adminSecurity.totpExpired", null, ct);
        var now = Now;
        if (Totp.Match(secret, Request.Form["code"].ToString(), now) is not { } step)
        {
            PendingSecret = secret;
            PendingSecretSealed = Request.Form["secret"].ToString();
            return await FailAsync("adminSignIn.wrongCode", "code", ct);
        }
        NewRecoveryCodes = await db.WriteAsync(async (c, tx) =>
        {
            await Totp.SaveAsync(c, tx, AdminId, secret, step, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "totp.enrol", Email, "", now, ct);
            return await FirstRecoveryCodesAsync(c, tx, AdminId, now, ct);
        }, ct);
        NoticeKey = "adminSecurity.done.totpAdded";
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostTotpRemoveAsync(CancellationToken ct)
    {
        var now = Now;
        await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(new CommandDefinition("DELETE FROM admin_totp WHERE admin_id = @id",
                    new { id = AdminId }, tx, cancellationToken: ct)) == 1)
            {
                await SecondFactors.DropRecoveryCodesIfNoFactorAsync(c, tx, AdminId, ct);
                await Audit.WriteAsync(c, tx, HttpContext, "totp.remove", Email, "", now, ct);
            }
            return 0;
        }, ct);
        return Redirect("/admin/security?done=totpRemoved");
    }

    string? Unseal(string sealedSecret)
    {
        if (sealedSecret.Length is 0 or > 1000) return null;
        try
        {
            var text = SetupProtector.Unprotect(sealedSecret);
            var prefix = AdminId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":";
            return text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;   // expired, altered, or another account's
        }
    }
}
