using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Registrations;

/// <summary>The seat rules, run once on SQLite and once on PostgreSQL.</summary>
public abstract class SeatRules
{
    protected abstract Task<PortalApp> StartAsync();

    [Fact]
    public async Task Three_hundred_concurrent_registrations_for_100_seats_confirm_exactly_100()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 100, waitlist: true);
        using var client = app.Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => client.RegisterAsync(slug, $"rush{i}@example.jp")));

        Assert.DoesNotContain(responses, r => (int)r.StatusCode >= 500);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var statuses = await Task.WhenAll(responses.Select(async r =>
            (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()));
        Assert.Equal(100, statuses.Count(s => s == "confirmed"));
        Assert.Equal(200, statuses.Count(s => s == "waitlisted"));

        var live = await LiveTicketAsync(client, slug);
        Assert.Equal(0, live.GetProperty("seatsLeft").GetInt32());
        Assert.Equal(100, await app.LiveSeatsTakenAsync());
        Assert.Equal(100, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'"));
        // Every registration queued exactly one mail in its own transaction.
        Assert.Equal(300, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE kind IN ('mail.registration_confirmed', 'mail.registration_waitlisted')"));
    }

    [Fact]
    public async Task A_full_ticket_without_waitlist_answers_409_sold_out()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 2, waitlist: false);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "a@example.jp");
        await client.RegisteredAsync(slug, "b@example.jp");

        var third = await client.RegisterAsync(slug, "c@example.jp");

        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE email_normalized = 'c@example.jp'"));
    }

    [Fact]
    public async Task Cancelling_a_live_seat_promotes_the_oldest_waitlisted()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        using var client = app.Client();
        var first = await client.RegisteredAsync(slug, "first@example.jp");
        await client.RegisteredAsync(slug, "second@example.jp");
        await client.RegisteredAsync(slug, "third@example.jp");

        using var browser = app.Browser();
        // Sent twice at once (a double click): the second changes nothing.
        var cancelled = await browser.SubmitTwiceAsync($"{first}/cancel", $"{first}/cancel", new Dictionary<string, string>());

        Assert.All(cancelled, r => Assert.Equal(HttpStatusCode.SeeOther, r.StatusCode));
        Assert.Equal("cancelled", await StatusOfAsync(app, "first@example.jp"));
        Assert.Equal("confirmed", await StatusOfAsync(app, "second@example.jp"));
        Assert.Equal("waitlisted", await StatusOfAsync(app, "third@example.jp"));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_promoted'"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_cancelled'"));
    }

    [Fact]
    public async Task Concurrent_cancellations_hand_each_seat_to_exactly_one_waitlisted()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 20);
        using var client = app.Client();
        var seated = new List<string>();
        for (var i = 0; i < 20; i++) seated.Add(await client.RegisteredAsync(slug, $"seat{i}@example.jp"));
        for (var i = 0; i < 30; i++) await client.RegisteredAsync(slug, $"wait{i:00}@example.jp");

        await Task.WhenAll(seated.Select(async path =>
        {
            using var browser = app.Browser();
            Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(path)).StatusCode);
        }));

        Assert.Equal(20, await app.LiveSeatsTakenAsync());
        var promoted = await app.QueryAsync<string>(
            "SELECT email_normalized FROM registrations WHERE status = 'confirmed' ORDER BY email_normalized");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"wait{i:00}@example.jp"), promoted);
    }

    [Fact]
    public async Task Switching_tickets_respects_capacity()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1, waitlist: false);
        using var client = app.Client();
        var live = await client.RegisteredAsync(slug, "live@example.jp", "live");
        var recording = await client.RegisteredAsync(slug, "rec@example.jp", "recording");
        using var browser = app.Browser();

        var refused = await browser.SwitchAsync(recording, "live");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("recording", await TicketOfAsync(app, "rec@example.jp"));

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SwitchAsync(live, "recording")).StatusCode);
        Assert.Equal("recording", await TicketOfAsync(app, "live@example.jp"));
        Assert.Equal(0, await app.LiveSeatsTakenAsync());

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SwitchAsync(recording, "live")).StatusCode);
        Assert.Equal("live", await TicketOfAsync(app, "rec@example.jp"));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());
    }

    [Fact]
    public async Task A_waitlisted_registration_that_switches_to_recording_frees_its_place_in_line()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "seat@example.jp");
        var waiting = await client.RegisteredAsync(slug, "waiting@example.jp");
        using var browser = app.Browser();

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SwitchAsync(waiting, "recording")).StatusCode);

        Assert.Equal("confirmed", await StatusOfAsync(app, "waiting@example.jp"));
        Assert.Equal("recording", await TicketOfAsync(app, "waiting@example.jp"));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());
    }

    [Fact]
    public async Task Registering_twice_with_the_same_address_keeps_one_registration()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "Twice@Example.jp");

        // Same address in full-width and another case, several times at once.
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.RegisterAsync(slug, "ｔｗｉｃｅ＠ｅｘａｍｐｌｅ．ｊｐ")));

        Assert.All(again, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var body = await again[0].Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("alreadyRegistered").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("manageUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("status").ValueKind);   // nothing about someone else's registration
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());
        Assert.True(await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.confirmation_resent'") >= 1);
    }

    [Fact]
    public async Task After_cancelling_the_same_address_can_register_again()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        using var browser = app.Browser();
        await browser.CancelAsync(await client.RegisteredAsync(slug, "back@example.jp"));

        var again = await client.RegisterAsync(slug, "back@example.jp");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    static async Task<JsonElement> LiveTicketAsync(HttpClient client, string slug)
    {
        var e = await client.GetFromJsonAsync<JsonElement>($"/api/events/{slug}");
        return e.GetProperty("ticketTypes").EnumerateArray().Single(t => t.GetProperty("code").GetString() == "live");
    }

    static Task<string> StatusOfAsync(PortalApp app, string email) =>
        app.QueryOneAsync<string>(
            "SELECT status FROM registrations WHERE email_normalized = @email ORDER BY id DESC LIMIT 1", new { email });

    static Task<string> TicketOfAsync(PortalApp app, string email) =>
        app.QueryOneAsync<string>("""
            SELECT t.code FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
            WHERE r.email_normalized = @email AND r.status <> 'cancelled'
            """, new { email });
}

public sealed class SqliteSeatRules : SeatRules
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync();
}

public sealed class PostgresSeatRules : SeatRules
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync();
}
