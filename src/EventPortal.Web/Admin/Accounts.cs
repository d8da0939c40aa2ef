using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Identity;

namespace EventPortal.Web.Admin;

public sealed class Organiser
{
    public long Id { get; init; }
    public string Email { get; init; } = "";
    public string Name { get; init; } = "";
    public string Role { get; init; } = "staff";
    public string PasswordHash { get; init; } = "";
    public int FailedSignIns { get; init; }
    public DateTime? LockedUntil { get; init; }
    public DateTime? DisabledAt { get; init; }
}

/// <summary>Organiser accounts: creation, passwords (ASP.NET Core's PasswordHasher, PBKDF2), sign-in with lock-out.</summary>
public static class Accounts
{
    public const int MinPasswordLength = Security.Passwords.MinLength;
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockOut = TimeSpan.FromMinutes(15);
    static readonly PasswordHasher<Organiser> Hasher = new();

    public static string Hash(string password) => Hasher.HashPassword(new Organiser(), password);

    /// <summary>
    /// Whether <paramref name="password"/> is the one <paramref name="hash"/> was made from (a password change asks for it).
    /// </summary>
    public static bool Matches(string hash, string password) =>
        Hasher.VerifyHashedPassword(new Organiser(), hash, password) != PasswordVerificationResult.Failed;

    public static Task<int> InsertAsync(DbConnection connection, DbTransaction tx, string email, string name, string role, string password,
        DateTime now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO admins (email, name, role, password_hash, created_at) VALUES (@email, @name, @role, @hash, @now)
            ON CONFLICT (email) DO NOTHING
            """, new { email = EmailAddress.Normalize(email), name, role, hash = Hash(password), now }, tx, cancellationToken: ct));

    public static async Task<bool> AnyAsync(Db db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM admins", cancellationToken: ct)) > 0;
    }

    public enum SignInResult { Ok, Failed }

    /// <summary>
    /// Checks a password. After <see cref="MaxFailedSignIns"/> failures in a row the account is
    /// locked for <see cref="LockOut"/>, and a locked account fails even with the right
    /// password. The caller shows one message for every failure (unknown address, wrong
    /// password, locked), so the form tells nobody which addresses have accounts.
    /// </summary>
    public static async Task<(SignInResult Result, Organiser? Who)> SignInAsync(Db db, string email, string password, DateTime now,
        CancellationToken ct) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var o = await c.QuerySingleOrDefaultAsync<Organiser>(new CommandDefinition(
                "SELECT id, email, name, role, password_hash, failed_sign_ins, locked_until, disabled_at FROM admins WHERE email = @email",
                new { email = EmailAddress.Normalize(email) }, tx, cancellationToken: ct));
            if (o is null)
            {
                Hasher.VerifyHashedPassword(new Organiser(), DummyHash, password); // same work as a real check
                return (SignInResult.Failed, (Organiser?)null);
            }
            var locked = o.LockedUntil is { } until && until > now;
            var ok = !locked && o.DisabledAt is null
                && Hasher.VerifyHashedPassword(o, o.PasswordHash, password) != PasswordVerificationResult.Failed;
            if (ok)
            {
                await c.ExecuteAsync(new CommandDefinition(
                    "UPDATE admins SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = @now WHERE id = @Id",
                    new { o.Id, now }, tx, cancellationToken: ct));
                return (SignInResult.Ok, o);
            }
            if (!locked) await CountFailureAsync(c, tx, o.Id, now, ct);
            return (SignInResult.Failed, o);
        }, ct);

    /// <summary>
    /// One more failure in a row (a wrong password or second factor); the <see cref="MaxFailedSignIns"/>th locks the account.
    /// </summary>
    public static Task<int> CountFailureAsync(DbConnection c, DbTransaction tx, long id, DateTime now, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition($"""
            UPDATE admins SET
                locked_until = CASE WHEN failed_sign_ins + 1 >= {MaxFailedSignIns} THEN @lockedUntil ELSE NULL END,
                failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= {MaxFailedSignIns} THEN 0 ELSE failed_sign_ins + 1 END
            WHERE id = @id
            """, new { id, lockedUntil = now + LockOut }, tx, cancellationToken: ct));

    static readonly string DummyHash = Hash("not-a-real-password-" + Guid.NewGuid());

    /// <summary>
    /// The first owner and API token from <c>EventPortal:Bootstrap</c>, when no organiser exists
    /// yet. Safe when two instances start together: the e-mail and token hash are unique.
    /// </summary>
    public static Task BootstrapAsync(Db db, BootstrapOptions options, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var any = await c.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT COUNT(*) FROM admins", transaction: tx, cancellationToken: ct)) > 0;
            if (!any && !string.IsNullOrEmpty(options.AdminEmail) && !string.IsNullOrEmpty(options.AdminPassword))
                await InsertAsync(c, tx, options.AdminEmail, "", "owner", options.AdminPassword, now, ct);
            if (!string.IsNullOrEmpty(options.ApiToken))
                await c.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO api_tokens (name, token_hash, created_at) VALUES ('bootstrap', @hash, @now)
                    ON CONFLICT (token_hash) DO NOTHING
                    """, new { hash = Tokens.Hash(options.ApiToken), now }, tx, cancellationToken: ct));
            return 0;
        }, ct);
}
