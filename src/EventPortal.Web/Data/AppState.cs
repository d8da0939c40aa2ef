using System.Data.Common;
using System.Security.Cryptography;
using Dapper;

namespace EventPortal.Web.Data;

/// <summary>Small key/value facts the instances share through the database.</summary>
public static class AppState
{
    /// <summary>
    /// Inserts <paramref name="key"/> if nobody has; returns true for the one caller that did.
    /// Two instances racing on one empty database get exactly one winner.
    /// </summary>
    public static async Task<bool> ClaimAsync(DbConnection connection, DbTransaction tx, string key, string value, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO app_state (key, value, updated_at) VALUES (@key, @value, @now)
            ON CONFLICT (key) DO NOTHING
            """, new { key, value, now = DateTime.UtcNow }, tx, cancellationToken: ct)) == 1;

    /// <summary>The secret that personal tokens are derived from, created once for all instances.</summary>
    public static Task<byte[]> GetOrCreateTokenKeyAsync(Db db, CancellationToken ct) =>
        db.WriteAsync(async (connection, tx) =>
        {
            await ClaimAsync(connection, tx, "token_key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
            var stored = await connection.QuerySingleAsync<string>(new CommandDefinition(
                "SELECT value FROM app_state WHERE key = 'token_key'", transaction: tx, cancellationToken: ct));
            return Convert.FromBase64String(stored);
        }, ct);
}
