using System.Security.Cryptography;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/accounts</c>, owners only: organiser accounts (add, disable, enable) and API
/// tokens (create — shown once, stored hashed — and revoke).
/// </summary>
[Authorize(Policy = AdminAuth.Owner)]
public sealed class AccountsPageModel(Db db, TimeProvider clock) : PageModel
{
    public sealed class Account
    {
        public long Id { get; init; }
        public string Email { get; init; } = "";
        public string Name { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime? LastSignInAt { get; init; }
        public DateTime? LockedUntil { get; init; }
        public DateTime? DisabledAt { get; init; }
        /// <summary>How many second factors (an authenticator app, passkeys) the account has.</summary>
        public int Factors { get; init; }
    }

    public sealed class ApiToken
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
    }

    public IReadOnlyList<Account> Accounts { get; private set; } = [];
    public IReadOnlyList<ApiToken> ApiTokens { get; private set; } = [];
    /// <summary>A token just created: the only time anyone sees it.</summary>
    public string? NewToken { get; private set; }
    public string? ErrorKey { get; private set; }
    public bool SecondFactorRequired { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAddAsync(CancellationToken ct)
    {
        var email = EmailAddress.Clean(Request.Form["email"].ToString());
        var name = Request.Form["name"].ToString().Trim();
        var role = Request.Form["role"].ToString();
        var password = Request.Form["password"].ToString();
        ErrorKey = !EmailAddress.IsValid(email) ? "error.email"
            : role is not ("owner" or "staff") ? "error.badChoice"
            : Security.Passwords.Problem(password) is { } problem ? problem
            : name.Length > 100 || !RegistrationValidator.IsCleanText(name, multiline: false) ? "error.badCharacters"
            : null;
        if (ErrorKey is not null)
        {
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await LoadAsync(ct);
            return Page();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            if (await EventPortal.Web.Admin.Accounts.InsertAsync(c, tx, email, name, role, password, now, ct) == 1)
                await Audit.WriteAsync(c, tx, HttpContext, "account.create", EmailAddress.Normalize(email), role, now, ct);
            return 0;
        }, ct);
        return Redirect("/admin/accounts");
    }

    public Task<IActionResult> OnPostDisableAsync(long id, CancellationToken ct) => SetDisabledAsync(id, true, ct);
    public Task<IActionResult> OnPostEnableAsync(long id, CancellationToken ct) => SetDisabledAsync(id, false, ct);

    async Task<IActionResult> SetDisabledAsync(long id, bool disabled, CancellationToken ct)
    {
        if (!ModelState.IsValid) return BadRequest(); // an id that is not a number
        var now = clock.GetUtcNow().UtcDateTime;
        var me = User.FindFirst("admin_id")?.Value;
        if (me == id.ToString(System.Globalization.CultureInfo.InvariantCulture)) return Redirect("/admin/accounts"); // not yourself
        var found = await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(new CommandDefinition("UPDATE admins SET disabled_at = @at WHERE id = @id",
                    new { id, at = disabled ? now : (DateTime?)null }, tx, cancellationToken: ct)) == 0)
                return false;
            await Audit.WriteAsync(c, tx, HttpContext, disabled ? "account.disable" : "account.enable",
                id.ToString(System.Globalization.CultureInfo.InvariantCulture), "", now, ct);
            return true;
        }, ct);
        return found ? Redirect("/admin/accounts") : NotFound();
    }

    public async Task<IActionResult> OnPostTokenAsync(CancellationToken ct)
    {
        var name = Request.Form["tokenName"].ToString().Trim();
        if (name.Length is 0 or > 100 || !RegistrationValidator.IsCleanText(name, multiline: false))
        {
            ErrorKey = "error.required";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await LoadAsync(ct);
            return Page();
        }
        var token = "ep_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow().UtcDateTime;
        var adminId = long.TryParse(User.FindFirst("admin_id")?.Value, out var a) ? a : (long?)null;
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO api_tokens (name, token_hash, admin_id, created_at) VALUES (@name, @hash, @adminId, @now)",
                new { name, hash = Tokens.Hash(token), adminId, now }, tx, cancellationToken: ct));
            await Audit.WriteAsync(c, tx, HttpContext, "token.create", name, "", now, ct);
            return 0;
        }, ct);
        NewToken = token;
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken ct)
    {
        if (!ModelState.IsValid) return BadRequest(); // an id that is not a number
        var now = clock.GetUtcNow().UtcDateTime;
        var found = await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(new CommandDefinition("UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
                    new { id, now }, tx, cancellationToken: ct)) == 1)
                await Audit.WriteAsync(c, tx, HttpContext, "token.revoke",
                    id.ToString(System.Globalization.CultureInfo.InvariantCulture), "", now, ct);
            // Revoked already (a second click) is done; no such token is an error.
            return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM api_tokens WHERE id = @id",
                new { id }, tx, cancellationToken: ct)) == 1;
        }, ct);
        return found ? Redirect("/admin/accounts") : NotFound();
    }

    /// <summary>
    /// The owner's setting that every account needs a second factor. Refused while the owner has
    /// none themselves: they would be sent to enrolment the moment they saved it.
    /// </summary>
    public async Task<IActionResult> OnPostSecondFactorAsync(CancellationToken ct)
    {
        // Only the two choices the form offers; anything else is refused, not read as "optional".
        if (Request.Form["required"].ToString() is not ("true" or "false"))
        {
            ErrorKey = "error.badChoice";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await LoadAsync(ct);
            return Page();
        }
        var required = Request.Form["required"].ToString() == "true";
        var me = long.Parse(User.FindFirst("admin_id")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        var now = clock.GetUtcNow().UtcDateTime;
        var saved = await db.WriteAsync(async (c, tx) =>
        {
            if (required && !(await Security.SecondFactors.OfAsync(c, me, ct, tx)).Any) return false;
            await Security.SecondFactors.SetRequiredAsync(c, tx, required, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "setting.second_factor", required ? "required" : "optional", "", now, ct);
            return true;
        }, ct);
        if (saved) return Redirect("/admin/accounts");
        ErrorKey = "adminAccounts.secondFactorOwnFirst";
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        SecondFactorRequired = await Security.SecondFactors.RequiredAsync(db, ct);
        await using var connection = await db.OpenAsync(ct);
        Accounts = (await connection.QueryAsync<Account>(new CommandDefinition("""
            SELECT id, email, name, role, last_sign_in_at, locked_until, disabled_at,
                   (SELECT COUNT(*) FROM admin_totp t WHERE t.admin_id = a.id)
                   + (SELECT COUNT(*) FROM admin_passkeys p WHERE p.admin_id = a.id) AS factors
            FROM admins a ORDER BY id
            """, cancellationToken: ct))).AsList();
        ApiTokens = (await connection.QueryAsync<ApiToken>(new CommandDefinition(
            "SELECT id, name, created_at, revoked_at FROM api_tokens ORDER BY id", cancellationToken: ct))).AsList();
    }
}
