using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// Which second factors an organiser has (an authenticator app, passkeys), the owner's setting
/// that every account must have one, and the one-time recovery codes that stand in for a lost
/// factor. Recovery codes are 80 random bits each, so a plain SHA-256 is enough to store them.
/// </summary>
public static class SecondFactors
{
    public const string RequiredKey = "require_second_factor";
    public const int RecoveryCodeCount = 10;
    /// <summary>No 0/o or 1/l/i: the codes are read off paper and typed by hand.</summary>
    const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    public sealed record Factors(bool Totp, int Passkeys, int RecoveryCodesLeft)
    {
        public bool Any => Totp || Passkeys > 0;
    }

    public static async Task<Factors> OfAsync(DbConnection connection, long adminId, CancellationToken ct, DbTransaction? tx = null)
    {
        var (totp, passkeys, codes) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition("""
            SELECT (SELECT COUNT(*) FROM admin_totp WHERE admin_id = @adminId),
                   (SELECT COUNT(*) FROM admin_passkeys WHERE admin_id = @adminId),
                   (SELECT COUNT(*) FROM admin_recovery_codes WHERE admin_id = @adminId AND used_at IS NULL)
            """, new { adminId }, tx, cancellationToken: ct));
        return new Factors(totp > 0, (int)passkeys, (int)codes);
    }

    public static async Task<Factors> OfAsync(Db db, long adminId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await OfAsync(connection, adminId, ct);
    }

    public static async Task<bool> RequiredAsync(Db db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            $"SELECT value FROM app_state WHERE key = '{RequiredKey}'", cancellationToken: ct)) == "true";
    }

    public static Task SetRequiredAsync(DbConnection c, DbTransaction tx, bool required, DateTime now, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO app_state (key, value, updated_at) VALUES ('{RequiredKey}', @value, @now)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, new { value = required ? "true" : "false", now }, tx, cancellationToken: ct));

    /// <summary>Replaces the account's recovery codes with new ones and returns them: the only time anyone sees them.</summary>
    public static async Task<IReadOnlyList<string>> NewRecoveryCodesAsync(DbConnection c, DbTransaction tx, long adminId, DateTime now,
        CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM admin_recovery_codes WHERE admin_id = @adminId",
            new { adminId }, tx, cancellationToken: ct));
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        foreach (var code in codes)
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO admin_recovery_codes (admin_id, code_hash, created_at) VALUES (@adminId, @hash, @now)",
                new { adminId, hash = Tokens.Hash(Normalize(code)), now }, tx, cancellationToken: ct));
        return codes;
    }

    /// <summary>Uses up one recovery code of the account; false when it is not one of its unused codes.</summary>
    public static async Task<bool> UseRecoveryCodeAsync(DbConnection c, DbTransaction tx, long adminId, string typed, DateTime now,
        CancellationToken ct)
    {
        var code = Normalize(typed);
        if (code.Length != 16) return false;
        // One statement: two requests with the same code cannot both use it.
        return await c.ExecuteAsync(new CommandDefinition("""
            UPDATE admin_recovery_codes SET used_at = @now WHERE admin_id = @adminId AND code_hash = @hash AND used_at IS NULL
            """, new { adminId, hash = Tokens.Hash(code), now }, tx, cancellationToken: ct)) == 1;
    }

    /// <summary>Removes the recovery codes when the last factor goes: they stand in for a factor, not for none.</summary>
    public static async Task DropRecoveryCodesIfNoFactorAsync(DbConnection c, DbTransaction tx, long adminId, CancellationToken ct)
    {
        if (!(await OfAsync(c, adminId, ct, tx)).Any)
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM admin_recovery_codes WHERE admin_id = @adminId",
                new { adminId }, tx, cancellationToken: ct));
    }

    static string NewRecoveryCode()
    {
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        var s = new string(chars);
        return $"{s[..4]}-{s[4..8]}-{s[8..12]}-{s[12..]}";
    }

    /// <summary>As typed from paper or pasted: full-width characters (an IME), capitals, spaces and hyphens do not matter.</summary>
    static string Normalize(string typed)
    {
        if (typed.Length > 100) return "";
        string normal;
        try { normal = typed.Normalize(NormalizationForm.FormKC); }
        catch (ArgumentException) { return ""; }
        return new string(normal.ToLowerInvariant().Where(ch => ch is not (' ' or '-')).ToArray());
    }
}
