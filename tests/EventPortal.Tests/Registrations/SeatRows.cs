using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// The seat rows behind the seat rules (Registrations/Seats.Rows.cs): one row per seat of a capped
/// ticket, none for an unlimited one, kept in step with the capacity; and on PostgreSQL no
/// registration waits for another one's lock. Run once on SQLite and once on PostgreSQL.
/// </summary>
public abstract class SeatRows
{
    protected abstract Task<PortalApp> StartAsync();

    const string Rows = """
        SELECT t.code || ':' || CAST(COUNT(s.seat_no) AS TEXT) || ':' || CAST(COUNT(s.registration_id) AS TEXT)
        FROM ticket_types t JOIN events e ON e.id = t.event_id LEFT JOIN seats s ON s.ticket_type_id = t.id
        WHERE e.slug = @slug GROUP BY t.code, t.position ORDER BY t.position
        """;

    [Fact]
    public async Task A_capped_ticket_has_a_row_per_seat_an_unlimited_one_none_and_capacity_changes_follow()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 3);
        using var client = app.Client();
        using var api = app.Api();
        await client.RegisteredAsync(slug, "a@example.jp");
        await client.RegisteredAsync(slug, "b@example.jp");
        await client.RegisteredAsync(slug, "rec@example.jp", "recording");
        Assert.Equal(["live:3:2", "recording:0:0"], await app.QueryAsync<string>(Rows, new { slug }));

        Assert.Equal(HttpStatusCode.OK, (await PatchCapacityAsync(api, slug, "live", 5)).StatusCode);
        Assert.Equal(["live:5:2", "recording:0:0"], await app.QueryAsync<string>(Rows, new { slug }));
        Assert.Equal(HttpStatusCode.OK, (await PatchCapacityAsync(api, slug, "live", 2)).StatusCode);
        Assert.Equal(["live:2:2", "recording:0:0"], await app.QueryAsync<string>(Rows, new { slug }));

        // Below the seats taken: refused on the field, and nothing changes.
        var below = await PatchCapacityAsync(api, slug, "live", 1);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, below.StatusCode);
        Assert.True((await below.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(
            "ticketTypes[0].capacity", out _));
        Assert.Equal(["live:2:2", "recording:0:0"], await app.QueryAsync<string>(Rows, new { slug }));
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT capacity FROM ticket_types WHERE code = 'live'"));

        // An unlimited ticket given a capacity seats the registrations it has.
        Assert.Equal(HttpStatusCode.OK, (await PatchCapacityAsync(api, slug, "recording", 2)).StatusCode);
        Assert.Equal(["live:2:2", "recording:2:1"], await app.QueryAsync<string>(Rows, new { slug }));
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(slug, "rec2@example.jp", "recording")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.RegisterAsync(slug, "rec3@example.jp", "recording")).StatusCode);
        Assert.Equal(["live:2:2", "recording:2:2"], await app.QueryAsync<string>(Rows, new { slug }));
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE email_normalized = 'rec3@example.jp'"));
    }

    [Fact]
    public async Task Registrations_and_cancellations_racing_leave_no_free_seat_beside_a_waiting_registrant()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using var client = app.Client();
        var seated = new List<string>();
        for (var i = 0; i < 10; i++) seated.Add(await client.RegisteredAsync(slug, $"seat{i}@example.jp"));

        var cancels = seated.Select(async path =>
        {
            using var browser = app.Browser();
            Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(path)).StatusCode);
        });
        var joins = Enumerable.Range(0, 40).Select(async i =>
            Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(slug, $"new{i:00}@example.jp")).StatusCode));
        await Task.WhenAll(cancels.Concat(joins));

        // Forty people for ten seats: every seat is someone's, and nobody waits beside a free one.
        Assert.Equal(["live:10:10", "recording:0:0"], await app.QueryAsync<string>(Rows, new { slug }));
        Assert.Equal(10, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'"));
        Assert.Equal(30, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE status = 'waitlisted'"));
        Assert.Equal(0, await app.QueryOneAsync<int>("""
            SELECT COUNT(*) FROM seats s LEFT JOIN registrations r ON r.id = s.registration_id
            WHERE s.registration_id IS NOT NULL AND (r.status <> 'confirmed' OR r.ticket_type_id <> s.ticket_type_id)
            """));
    }

    [Fact]
    public async Task A_ticket_is_removed_only_while_no_registration_names_it()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 3);
        using var client = app.Client();
        using var api = app.Api();
        await client.RegisteredAsync(slug, "rec@example.jp", "recording");
        var refused = await RemoveTicketAsync(api, slug, "recording");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("ticketTypes", out _));
        Assert.Equal(HttpStatusCode.OK, (await RemoveTicketAsync(api, slug, "live")).StatusCode);
        Assert.Equal(["recording:0:0"], await app.QueryAsync<string>(Rows, new { slug }));
    }

    protected static Task<HttpResponseMessage> RemoveTicketAsync(HttpClient api, string slug, string code) =>
        PatchTicketAsync(api, slug, new JsonObject { ["code"] = code, ["remove"] = true });

    static Task<HttpResponseMessage> PatchCapacityAsync(HttpClient api, string slug, string code, int capacity) =>
        PatchTicketAsync(api, slug, new JsonObject { ["code"] = code, ["capacity"] = capacity });

    /// <summary>The admin API's PATCH of the event with one ticket's change.</summary>
    static Task<HttpResponseMessage> PatchTicketAsync(HttpClient api, string slug, JsonObject ticket) =>
        api.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/api/admin/events/{slug}")
        {
            Content = JsonContent.Create(new JsonObject { ["ticketTypes"] = new JsonArray(ticket) }),
        });
}

public sealed class SeatRowsOnSqlite : SeatRows
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class SeatRowsOnPostgres : SeatRows
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());

    /// <summary>
    /// Before seat rows every registration of a ticket updated its counter row and held that lock to
    /// its commit. Now nothing on the way takes it: with the ticket rows and four of five seats locked by
    /// someone else, both tickets still register at once, the capped one on the one seat nobody is taking.
    /// </summary>
    [Fact]
    public async Task No_registration_waits_for_a_lock_on_the_ticket_or_on_a_seat_someone_is_taking()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 5);
        await using var other = await app.Db.OpenAsync(CancellationToken.None);
        await using var tx = await other.BeginTransactionAsync();
        // What an UPDATE of a ticket row (the old seat counter) takes, and four seat claims in flight.
        await other.ExecuteAsync("SELECT id FROM ticket_types FOR NO KEY UPDATE", transaction: tx);
        await other.ExecuteAsync("""
            SELECT s.seat_no FROM seats s JOIN ticket_types t ON t.id = s.ticket_type_id
            WHERE t.code = 'live' AND s.seat_no <= 4 FOR UPDATE OF s
            """, transaction: tx);

        using var client = app.Client();
        client.Timeout = TimeSpan.FromSeconds(15);
        var both = Task.WhenAll(client.RegisterAsync(slug, "rec@example.jp", "recording"), client.RegisterAsync(slug, "live@example.jp"));
        var finished = await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == both, "a registration waited for a lock held by another transaction");
        Assert.All(await both, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(5, await app.QueryOneAsync<int>("""
            SELECT s.seat_no FROM seats s JOIN registrations r ON r.id = s.registration_id WHERE r.email_normalized = 'live@example.jp'
            """));
        await tx.RollbackAsync();
    }

    /// <summary>
    /// PostgreSQL checks no foreign key from a registration to its ticket (migration 0027). Removing a ticket waits for
    /// the registrations in flight instead (a table lock) and counts them once they have committed: a registration for the
    /// ticket that commits while the removal waits keeps its ticket, and the removal is refused.
    /// </summary>
    [Fact]
    public async Task Removing_a_ticket_waits_for_a_registration_in_flight_and_is_refused_when_it_names_the_ticket()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 5);
        await using var other = await app.Db.OpenAsync(CancellationToken.None);
        await using var tx = await other.BeginTransactionAsync();
        await other.ExecuteAsync("""
            INSERT INTO registrations (event_id, ticket_type_id, status, family_name, given_name, email, email_normalized,
                token_seed, consent_at, created_at, updated_at)
            SELECT t.event_id, t.id, 'confirmed', '山田', '花子', 'f@example.jp', 'f@example.jp', 'in-flight', now(), now(), now()
            FROM ticket_types t WHERE t.code = 'recording'
            """, transaction: tx);

        using var api = app.Api();
        var removal = RemoveTicketAsync(api, slug, "recording");
        var waiting = false;
        for (var i = 0; i < 100 && !waiting && !removal.IsCompleted; i++)
        {
            await Task.Delay(100);
            waiting = await app.QueryOneAsync<int>("""
                SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE registrations%'
                """) > 0;
        }
        Assert.True(waiting, "the removal did not wait for the registration in flight");
        await tx.CommitAsync();

        var refused = await removal;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("ticketTypes", out _));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM ticket_types WHERE code = 'recording'"));
    }
}
