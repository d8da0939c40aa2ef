using System.Security.Cryptography;
using System.Text;
using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Personal links (<c>/r/{token}</c>, <c>/j/{token}</c>, <c>/w/{token}</c>) carry a token derived as
/// HMAC-SHA256(key, purpose + ":" + seed), 144 bits, base64url. The database keeps only the
/// random per-registration seed and the SHA-256 of each token: a copy of the table alone
/// opens nobody's page, yet the app can put the same link into a reminder weeks later
/// without ever storing it. The key is created once per database (see <c>AppState</c>).
/// </summary>
public sealed class Tokens
{
    byte[]? _key;

    public void UseKey(byte[] key) => _key = key;

    public static string NewSeed() => Base64Url(RandomNumberGenerator.GetBytes(16));

    public string Manage(string seed) => Derive("manage", seed);
    public string Join(string seed) => Derive("join", seed);
    public string Watch(string seed) => Derive("watch", seed);
    /// <summary>A short id of this installation (its database), for keys we leave at outside services.</summary>
    public string Installation => Derive("installation", "eventportal")[..8];

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Fills the join and recording token hashes of registrations made before they existed (migration 0002).</summary>
    public async Task BackfillAsync(Db db, CancellationToken ct)
    {
        await db.WriteAsync(async (connection, tx) =>
        {
            var rows = await connection.QueryAsync<(long Id, string Seed)>(new CommandDefinition(
                "SELECT id, token_seed FROM registrations WHERE join_token_hash IS NULL", transaction: tx, cancellationToken: ct));
            foreach (var (id, seed) in rows)
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE registrations SET join_token_hash = @join, watch_token_hash = @watch WHERE id = @id",
                    new { id, join = Hash(Join(seed)), watch = Hash(Watch(seed)) }, tx, cancellationToken: ct));
            return 0;
        }, ct);
    }

    /// <summary>Cheap shape check before any database look-up: 24 base64url characters.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: 24 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    string Derive(string purpose, string seed)
    {
        var key = _key ?? throw new InvalidOperationException(
            "The token key is loaded at start-up; nothing may ask for a token before that.");
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + ":" + seed));
        return Base64Url(mac.AsSpan(0, 18));
    }

    static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
