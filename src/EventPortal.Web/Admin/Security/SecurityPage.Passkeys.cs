using System.Text.Json;
using Dapper;
using EventPortal.Web.Localization;
using Microsoft.AspNetCore.Mvc;
using B64 = System.Buffers.Text.Base64Url;

namespace EventPortal.Web.Admin.Security;

/// <summary>Passkeys: add one (the browser's WebAuthn, through passkeys.js), list, remove.</summary>
public sealed partial class SecurityPageModel
{
    const int MaxPasskeyName = 100;

    public async Task<IActionResult> OnPostPasskeyOptionsAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var mine = await Passkeys.OfAsync(connection, AdminId, ct);
        return Content(passkeys.BeginRegistration(HttpContext, AdminId, Email, mine), "application/json");
    }

    /// <summary>The browser's new credential: stored on success (JSON with where to go next), 422 with a message otherwise.</summary>
    public async Task<IActionResult> OnPostPasskeyAddAsync(CancellationToken ct)
    {
        var answer = await PasskeyBody.ReadAsync(Request, ct);
        var name = answer is null ? "" : NameIn(answer);
        if (name.Length > MaxPasskeyName || !Registrations.RegistrationValidator.IsCleanText(name, multiline: false))
            return Problem("error.badCharacters");
        var credential = answer is null ? null : await passkeys.FinishRegistrationAsync(HttpContext, answer, ct);
        if (credential is null) return Problem("adminSecurity.passkeyFailed");
        var now = Now;
        var codes = await db.WriteAsync(async (c, tx) =>
        {
            var added = await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO admin_passkeys (admin_id, credential_id, public_key, sign_count, name, created_at)
                VALUES (@adminId, @credentialId, @publicKey, @signCount, @name, @now) ON CONFLICT (credential_id) DO NOTHING
                """, new
            {
                adminId = AdminId,
                credentialId = B64.EncodeToString(credential.Id),
                publicKey = Convert.ToBase64String(credential.PublicKey),
                signCount = (long)credential.SignCount,
                name = name.Length == 0 ? Text.Get("adminSecurity.passkeyDefaultName", Text.Current) : name,
                now,
            }, tx, cancellationToken: ct));
            if (added == 0) return null;
            await Audit.WriteAsync(c, tx, HttpContext, "passkey.enrol", Email, name, now, ct);
            return await FirstRecoveryCodesAsync(c, tx, AdminId, now, ct) ?? [];
        }, ct);
        if (codes is null) return Problem("adminSecurity.passkeyFailed");
        // Fresh recovery codes are shown once, on the page the browser goes to next.
        if (codes.Count > 0) TempData["recoveryCodes"] = string.Join(' ', codes);
        return new JsonResult(new { redirect = codes.Count > 0 ? "/admin/security/codes" : "/admin/security?done=passkeyAdded" });
    }

    /// <summary>Shows recovery codes made while adding the first passkey, once (TempData is read and gone).</summary>
    public async Task<IActionResult> OnGetCodesAsync(CancellationToken ct)
    {
        if (TempData["recoveryCodes"] is not string codes) return Redirect("/admin/security");
        NewRecoveryCodes = codes.Split(' ');
        NoticeKey = "adminSecurity.done.passkeyAdded";
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostPasskeyRemoveAsync(long id, CancellationToken ct)
    {
        if (!ModelState.IsValid) return BadRequest(); // an id that is not a number
        var now = Now;
        var removed = await db.WriteAsync(async (c, tx) =>
        {
            var name = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT name FROM admin_passkeys WHERE id = @id AND admin_id = @adminId", new { id, adminId = AdminId }, tx,
                cancellationToken: ct));
            if (name is null) return false;   // not one of mine
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM admin_passkeys WHERE id = @id", new { id }, tx, cancellationToken: ct));
            await SecondFactors.DropRecoveryCodesIfNoFactorAsync(c, tx, AdminId, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "passkey.remove", Email, name, now, ct);
            return true;
        }, ct);
        // An id naming none of the organiser's passkeys is answered as such, not as done.
        return removed ? Redirect("/admin/security?done=passkeyRemoved") : NotFound();
    }

    static string NameIn(string answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("name", out var n)
                && n.ValueKind == JsonValueKind.String ? n.GetString()!.Trim() : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    JsonResult Problem(string key) =>
        new(new { error = Text.Get(key, Text.Current) }) { StatusCode = StatusCodes.Status422UnprocessableEntity };
}
