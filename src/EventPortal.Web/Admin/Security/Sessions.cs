using System.Security.Claims;
using System.Security.Cryptography;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// Console sessions held in the database (<c>admin_sessions</c>): the cookie carries a random
/// session token (encrypted by data protection), only its hash is stored, and every request
/// checks that the row is still there and unrevoked. So "sign out everywhere else", signing
/// out, a disabled account and a changed password end a session at once, on every instance,
/// instead of whenever the cookie would have expired.
/// </summary>
public static class Sessions
{
    public const string SessionClaim = "session";
    /// <summary>Set on a session whose account must enrol a second factor before anything else (<see cref="SecondFactorGate"/>).</summary>
    public const string NeedsSecondFactorClaim = "needs_second_factor";
    /// <summary>As long as the cookie lasts without use (<see cref="AdminAuth"/>): a session idle longer is over.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);
    /// <summary>"Last seen" is written at most this often, so a busy console does not write on every request.</summary>
    static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    /// <summary>Starts a session for <paramref name="who"/> and issues the console cookie.</summary>
    public static async Task SignInAsync(HttpContext context, Db db, Organiser who, string secondFactor, DateTime now)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO admin_sessions (admin_id, token_hash, created_at, last_seen_at, user_agent, ip, second_factor)
            VALUES (@Id, @hash, @now, @now, @agent, @ip, @secondFactor)
            """, new
        {
            who.Id, hash = Tokens.Hash(token), now, secondFactor,
            agent = Clip(context.Request.Headers.UserAgent.ToString(), 300),
            ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
        }, tx)), CancellationToken.None);
        var principal = AdminAuth.Principal(AdminAuth.CookieScheme, who.Email, who.Role, who.Id);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(SessionClaim, token));
        await context.SignInAsync(AdminAuth.CookieScheme, principal);
    }

    /// <summary>
    /// Ends this request's session (signing out): the cookie goes, and so does the row, so a copy of the cookie is useless.
    /// </summary>
    public static async Task SignOutAsync(HttpContext context, Db db, DateTime now)
    {
        if (context.User.FindFirstValue(SessionClaim) is { } token)
            await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
                "UPDATE admin_sessions SET revoked_at = @now WHERE token_hash = @hash AND revoked_at IS NULL",
                new { hash = Tokens.Hash(token), now }, tx)), CancellationToken.None);
        await context.SignOutAsync(AdminAuth.CookieScheme);
    }

    public sealed class Row
    {
        public long Id { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime LastSeenAt { get; init; }
        public string UserAgent { get; init; } = "";
        public string Ip { get; init; } = "";
        public string SecondFactor { get; init; } = "";
        public string TokenHash { get; init; } = "";
    }

    /// <summary>An organiser's live sessions, most recently used first.</summary>
    public static async Task<IReadOnlyList<Row>> ListAsync(Db db, long adminId, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT id, created_at, last_seen_at, user_agent, ip, second_factor, token_hash FROM admin_sessions
            WHERE admin_id = @adminId AND revoked_at IS NULL AND last_seen_at > @since ORDER BY last_seen_at DESC, id DESC
            """, new { adminId, since = now - IdleTimeout }, cancellationToken: ct))).AsList();
    }

    /// <summary>Revokes every session of <paramref name="adminId"/> but the one whose token hash is <paramref name="keepHash"/>.</summary>
    public static Task<int> RevokeOthersAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long adminId,
        string keepHash, DateTime now, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition("""
            UPDATE admin_sessions SET revoked_at = @now WHERE admin_id = @adminId AND token_hash <> @keepHash AND revoked_at IS NULL
            """, new { adminId, keepHash, now }, tx, cancellationToken: ct));

    public static string CurrentHash(ClaimsPrincipal user) => Tokens.Hash(user.FindFirstValue(SessionClaim) ?? "");

    static string Clip(string value, int max) => value.Length <= max ? value : value[..max];

    sealed class Live
    {
        public long Id { get; init; }
        public long AdminId { get; init; }
        public DateTime LastSeenAt { get; init; }
        public string Email { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime? DisabledAt { get; init; }
        public int Factors { get; init; }
        public string? Required { get; init; }
    }

    /// <summary>
    /// Runs on every request that brings a console cookie: the session must still exist, be
    /// unrevoked and recently used, and its account enabled. The principal is rebuilt from the
    /// account as it is now, so a changed role applies at once.
    /// </summary>
    public sealed class Validation(Db db, TimeProvider clock) : CookieAuthenticationEvents
    {
        public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
        {
            var token = context.Principal?.FindFirstValue(SessionClaim);
            var now = clock.GetUtcNow().UtcDateTime;
            Live? live = null;
            if (token is not null)
            {
                await using var connection = await db.OpenAsync(context.HttpContext.RequestAborted);
                live = await connection.QuerySingleOrDefaultAsync<Live>(new CommandDefinition($"""
                    SELECT s.id, s.admin_id, s.last_seen_at, a.email, a.role, a.disabled_at,
                           (SELECT COUNT(*) FROM admin_totp t WHERE t.admin_id = a.id)
                           + (SELECT COUNT(*) FROM admin_passkeys p WHERE p.admin_id = a.id) AS factors,
                           (SELECT value FROM app_state WHERE key = '{SecondFactors.RequiredKey}') AS required
                    FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
                    WHERE s.token_hash = @hash AND s.revoked_at IS NULL
                    """, new { hash = Tokens.Hash(token) }, cancellationToken: context.HttpContext.RequestAborted));
            }
            if (live is null || live.DisabledAt is not null || live.LastSeenAt < now - IdleTimeout)
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(AdminAuth.CookieScheme);
                return;
            }
            var principal = AdminAuth.Principal(AdminAuth.CookieScheme, live.Email, live.Role, live.AdminId);
            var identity = (ClaimsIdentity)principal.Identity!;
            identity.AddClaim(new Claim(SessionClaim, token!));
            if (live.Factors == 0 && live.Required == "true") identity.AddClaim(new Claim(NeedsSecondFactorClaim, "true"));
            context.ReplacePrincipal(principal);
            if (now - live.LastSeenAt >= TouchEvery)
                await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
                    "UPDATE admin_sessions SET last_seen_at = @now WHERE id = @Id", new { live.Id, now }, tx)), CancellationToken.None);
        }
    }
}
