using System.Buffers.Binary;
using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Personal links (<c>/r/{token}</c>, <c>/j/{token}</c>, <c>/w/{token}</c>, <c>/s/{token}</c>) carry 18 bytes,
/// base64url: the registration's id (6 bytes, big-endian) and the first 12 bytes of
/// HMAC-SHA256(key, purpose + ":" + seed), where the seed is the registration's own random value. A link is found
/// by its id and accepted only when the MAC matches that row's seed, so the database needs no index of link hashes:
/// a registration writes its row and nothing else for its links. A copy of the table alone still opens nobody's
/// page (the key is not in it), and the app can put the same link into a reminder weeks later without storing it.
/// The key is created once per database (see <c>AppState</c>).
/// <para>
/// Links mailed before migration 0022 were the first 18 bytes of that MAC, found by the SHA-256 of the whole token
/// (<c>manage_token_hash</c>, <c>join_token_hash</c>, <c>watch_token_hash</c>); <see cref="FindAsync{T}"/> still finds
/// them. New registrations leave the three hashes empty (PostgreSQL's migration 0025, SQLite's 0029). The seed begins
/// with the time it was made.
/// </para>
/// </summary>
public sealed class Tokens
{
    public const string ManagePurpose = "manage", JoinPurpose = "join", WatchPurpose = "watch";
    const int IdBytes = 6, MacBytes = 12;
    byte[]? _key;

    public void UseKey(byte[] key) => _key = key;

    /// <summary>A new registration's seed: the milliseconds since 1970 in 12 hex digits, then 96 random bits.</summary>
    public static string NewSeed(DateTime nowUtc)
    {
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        var ms = (long)(nowUtc - DateTime.UnixEpoch).TotalMilliseconds;
        return ms.ToString("x12", CultureInfo.InvariantCulture) + Base64Url.EncodeToString(random);
    }

    public string Manage(long id, string seed) => Link(ManagePurpose, id, seed);
    public string Join(long id, string seed) => Link(JoinPurpose, id, seed);
    public string Watch(long id, string seed) => Link(WatchPurpose, id, seed);
    /// <summary>A short id of this installation (its database), for keys we leave at outside services.</summary>
    public string Installation => Base64Url.EncodeToString(Mac("installation", "eventportal"))[..8];

    string Link(string purpose, long id, string seed)
    {
        if (id is <= 0 or >= 1L << (8 * IdBytes)) throw new ArgumentOutOfRangeException(nameof(id));
        Span<byte> token = stackalloc byte[IdBytes + MacBytes];
        Span<byte> idBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(idBytes, id);
        idBytes[(8 - IdBytes)..].CopyTo(token);
        Mac(purpose, seed).AsSpan(0, MacBytes).CopyTo(token[IdBytes..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The registration id a link of this form carries (0 when the text is not one).</summary>
    public static long IdOf(string token)
    {
        if (!LooksValid(token)) return 0;
        Span<byte> bytes = stackalloc byte[IdBytes + MacBytes];
        if (!Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != bytes.Length) return 0;
        Span<byte> id = stackalloc byte[8];
        bytes[..IdBytes].CopyTo(id[(8 - IdBytes)..]);
        return BinaryPrimitives.ReadInt64BigEndian(id);
    }

    /// <summary>Whether <paramref name="token"/> is the <paramref name="purpose"/> link of the registration with this seed.</summary>
    public bool Opens(string purpose, string token, string seed)
    {
        // An erased registration's seed is one constant for all of them: nothing opens it.
        if (seed == Erasure.ErasedSeed || !LooksValid(token)) return false;
        Span<byte> bytes = stackalloc byte[IdBytes + MacBytes];
        return Base64Url.TryDecodeFromChars(token, bytes, out var written) && written == bytes.Length
            && CryptographicOperations.FixedTimeEquals(bytes[IdBytes..], Mac(purpose, seed).AsSpan(0, MacBytes));
    }

    /// <summary>
    /// The registration (aliased <c>r</c> in <paramref name="select"/>, which names its <c>token_seed</c> as
    /// <paramref name="seedOf"/> reads it) that <paramref name="token"/> opens for <paramref name="purpose"/>: by the id
    /// the link carries, else, for a link mailed before migration 0022, by its hash in <paramref name="hashColumn"/>.
    /// </summary>
    public async Task<T?> FindAsync<T>(DbConnection connection, string purpose, string token, string select, string hashColumn,
        Func<T, string> seedOf, CancellationToken ct) where T : class
    {
        if (!LooksValid(token)) return null;
        var id = IdOf(token);
        if (id > 0
            && await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(select + " WHERE r.id = @id", new { id },
                cancellationToken: ct)) is { } byId
            && Opens(purpose, token, seedOf(byId)))
            return byId;
        return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(
            $"{select} WHERE r.{hashColumn} = @hash", new { hash = Hash(token) }, cancellationToken: ct));
    }

    public static string Hash(string token)
    {
        // Tokens are short ASCII (24 characters): no heap buffers on this path, which every link takes.
        Span<byte> text = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(token.Length, 256))];
        var bytes = token.Length <= 256 ? text[..Encoding.UTF8.GetBytes(token, text)] : Encoding.UTF8.GetBytes(token);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Cheap shape check before any database look-up: 24 base64url characters.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: 24 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    byte[] Mac(string purpose, string seed)
    {
        var key = _key ?? throw new InvalidOperationException(
            "The token key is loaded at start-up; nothing may ask for a token before that.");
        var length = Encoding.UTF8.GetByteCount(purpose) + 1 + Encoding.UTF8.GetByteCount(seed);
        Span<byte> message = length <= 256 ? stackalloc byte[length] : new byte[length];
        var at = Encoding.UTF8.GetBytes(purpose, message);
        message[at++] = (byte)':';
        Encoding.UTF8.GetBytes(seed, message[at..]);
        return HMACSHA256.HashData(key, message);
    }
}
