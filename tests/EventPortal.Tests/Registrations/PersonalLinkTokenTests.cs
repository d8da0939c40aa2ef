using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Registrations;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Personal links carry the registration's id and a MAC of its seed (<see cref="Tokens"/>): a registration stores no
/// hash of its join and recording links, a link opens only its own registration, and links mailed in the earlier form
/// (a bare MAC, found by its hash) keep working.
/// </summary>
public sealed class PersonalLinkTokenTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_link_opens_its_own_registration_and_nothing_else(string engine)
    {
        await using var app = await PortalApp.StartOnAsync(engine);
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using var client = app.Client();
        var (a, b) = (await client.RegisteredAsync(slug, "a@example.jp"), await client.RegisteredAsync(slug, "b@example.jp"));
        const string ById = "SELECT id FROM registrations WHERE email_normalized = @email";
        var (idA, idB) = (await app.QueryOneAsync<long>(ById, new { email = "a@example.jp" }),
            await app.QueryOneAsync<long>(ById, new { email = "b@example.jp" }));

        Assert.Equal((idA, idB), (Tokens.IdOf(a[3..]), Tokens.IdOf(b[3..])));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(a)).StatusCode);
        // B's MAC under A's id, and A's link with one character of its MAC changed, open nothing.
        var bytes = Base64Url.DecodeFromChars(b.AsSpan(3));
        Base64Url.DecodeFromChars(a.AsSpan(3)).AsSpan(0, 6).CopyTo(bytes);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/r/" + Base64Url.EncodeToString(bytes))).StatusCode);
        var flipped = a[..^1] + (a[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(flipped)).StatusCode);
        // The join link with its last character changed (to another one: a link may end in "x" already).
        var join = await app.JoinPathAsync(a);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(join[..^1] + (join[^1] == 'x' ? 'y' : 'x'))).StatusCode);

        // Nothing but the seed is stored for the links, and it begins with the time it was made. (The legacy hashes stay
        // empty, so their indexes get no entry: PostgreSQL's migration 0025, SQLite's 0029.)
        var row = await app.QueryOneAsync<(string Seed, string? Manage, string? Join, string? Watch)>(
            "SELECT token_seed, manage_token_hash, join_token_hash, watch_token_hash FROM registrations WHERE id = @idA", new { idA });
        Assert.Equal(((string?)null, (string?)null, (string?)null), (row.Manage, row.Join, row.Watch));
        var madeAt = DateTime.UnixEpoch.AddMilliseconds(Convert.ToInt64(row.Seed[..12], 16));
        Assert.InRange(madeAt, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(28, row.Seed.Length);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Links_mailed_in_the_earlier_form_still_open(string engine)
    {
        await using var app = await PortalApp.StartOnAsync(engine);
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using var client = app.Client();
        var manage = await client.RegisteredAsync(slug, "before@example.jp");
        var id = Tokens.IdOf(manage[3..]);
        // The row as migration 0022 found it: the hash of each of its three links, each link the first 18 bytes of the MAC.
        var key = Convert.FromBase64String(await app.QueryOneAsync<string>("SELECT value FROM app_state WHERE key = 'token_key'"));
        var seed = await app.QueryOneAsync<string>("SELECT token_seed FROM registrations WHERE id = @id", new { id });
        string Earlier(string purpose) =>
            Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + ":" + seed)).AsSpan(0, 18));
        var (oldManage, oldJoin, oldWatch) = (Earlier("manage"), Earlier("join"), Earlier("watch"));
        await app.ExecuteAsync("""
            UPDATE registrations SET manage_token_hash = @m, join_token_hash = @j, watch_token_hash = @w WHERE id = @id
            """, new { id, m = Tokens.Hash(oldManage), j = Tokens.Hash(oldJoin), w = Tokens.Hash(oldWatch) });

        Assert.Contains("before@example.jp", await client.GetStringAsync($"/r/{oldManage}"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/r/{oldManage}/invite.ics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/j/{oldJoin}")).StatusCode);   // the "not open yet" page
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/w/{oldWatch}")).StatusCode);
        // Each opens only for its own purpose, and the link of the current form opens the same registration.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/j/{oldManage}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/r/{oldJoin}")).StatusCode);
        Assert.Contains("before@example.jp", await client.GetStringAsync(manage));
    }
}
