using System.Data.Common;
using Dapper;
using OtpNet;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// An authenticator app (RFC 6238: SHA-1, 6 digits, 30 seconds, as every app expects) through
/// Otp.NET. The time comes from <see cref="TimeProvider"/>, so tests are exact. A code is
/// accepted one step either side of now (clocks drift), and each step only once: the row keeps
/// the last step used, so a code seen over someone's shoulder cannot be used again.
/// </summary>
public static class Totp
{
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// <summary>The otpauth:// URI an authenticator app reads from the QR code.</summary>
    public static string Uri(string issuer, string account, string secret) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}" +
        $"?secret={secret}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>
    /// The step a 6-digit <paramref name="code"/> matches for <paramref name="secret"/> at <paramref name="now"/>, or null.
    /// </summary>
    public static long? Match(string secret, string code, DateTime now)
    {
        // Full-width digits from a Japanese IME count: NFKC makes them ASCII.
        if (code.Length > 20) return null;
        try { code = new string(code.Normalize(System.Text.NormalizationForm.FormKC).Where(ch => ch != ' ').ToArray()); }
        catch (ArgumentException) { return null; }
        if (code.Length != 6 || !code.All(char.IsAsciiDigit)) return null;
        byte[] key;
        try { key = Base32Encoding.ToBytes(secret); }
        catch (ArgumentException) { return null; }
        return new OtpNet.Totp(key).VerifyTotp(now, code, out var step, VerificationWindow.RfcSpecifiedNetworkDelay) ? step : null;
    }

    /// <summary>Checks a code against the account's stored secret and records its step; false when wrong or already used.</summary>
    public static async Task<bool> VerifyAsync(DbConnection c, DbTransaction tx, long adminId, string code, DateTime now,
        CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT secret, last_step FROM admin_totp WHERE admin_id = @adminId", new { adminId }, tx, cancellationToken: ct));
        if (row is null || Match(row.Secret, code, now) is not { } step || step <= row.LastStep) return false;
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE admin_totp SET last_step = @step WHERE admin_id = @adminId AND last_step < @step",
            new { adminId, step }, tx, cancellationToken: ct)) == 1;
    }

    public static Task SaveAsync(DbConnection c, DbTransaction tx, long adminId, string secret, long step, DateTime now,
        CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO admin_totp (admin_id, secret, last_step, created_at) VALUES (@adminId, @secret, @step, @now)
            ON CONFLICT (admin_id) DO UPDATE SET secret = excluded.secret, last_step = excluded.last_step, created_at = excluded.created_at
            """, new { adminId, secret, step, now }, tx, cancellationToken: ct));

    sealed class Row
    {
        public string Secret { get; init; } = "";
        public long LastStep { get; init; }
    }
}
