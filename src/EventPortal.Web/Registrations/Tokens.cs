using System.Buffers.Text;
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

    public static string NewSeed()
    {
        Span<byte> seed = stackalloc byte[16];
        RandomNumberGenerator.Fill(seed);
        return Base64Url.EncodeToString(seed);
    }

    /// <summary>A new registration's seed, its manage token, and the hashes the database keeps of its three tokens.</summary>
    public sealed record Issued(string Seed, string Manage, string ManageHash, string JoinHash, string WatchHash);

    public Issued Issue()
    {
        var seed = NewSeed();
        var manage = Manage(seed);
        return new(seed, manage, Hash(manage), Hash(Join(seed)), Hash(Watch(seed)));
    }

    public string Manage(string seed) => Derive("manage", seed);
    public string Join(string seed) => Derive("join", seed);
    public string Watch(string seed) => Derive("watch", seed);
    /// <summary>A short id of this installation (its database), for keys we leave at outside services.</summary>
    public string Installation => Derive("installation", "eventportal")[..8];

    public static string Hash(string token)
    {
        // Tokens are short ASCII (24 characters): no heap buffers on this path, which every registration and every link takes.
        Span<byte> text = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(token.Length, 256))];
        var bytes = token.Length <= 256 ? text[..Encoding.UTF8.GetBytes(token, text)] : Encoding.UTF8.GetBytes(token);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash);
    }

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
        var length = Encoding.UTF8.GetByteCount(purpose) + 1 + Encoding.UTF8.GetByteCount(seed);
        Span<byte> message = length <= 256 ? stackalloc byte[length] : new byte[length];
        var at = Encoding.UTF8.GetBytes(purpose, message);
        message[at++] = (byte)':';
        Encoding.UTF8.GetBytes(seed, message[at..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message, mac);
        return Base64Url.EncodeToString(mac[..18]);
    }
}
