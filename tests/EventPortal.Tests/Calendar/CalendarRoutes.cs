using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Events;

namespace EventPortal.Tests.Calendar;

/// <summary>
/// The .ics routes as served by the running app, checked structurally and by two independent
/// parsers (ical.js and python-icalendar), compared with what was meant.
/// </summary>
public sealed class CalendarRoutes : IAsyncLifetime
{
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    PortalApp _app = null!;

    public async Task InitializeAsync() => _app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(new()
    {
        ["EventPortal:Calendar:UidDomain"] = "portal.example.jp",
    }));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_public_event_ics_is_a_PUBLISH_without_personal_data()
    {
        const string title = "成果報告会:支援者を支える、メンタリングの力;\\ 🎉";
        var slug = await _app.CreateEventAsync(startsAt: Start, title: title);
        using var client = _app.Client();

        var response = await client.GetAsync($"/events/{slug}/event.ics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal($"{slug}.ics", disposition.FileName?.Trim('"'));
        Assert.Equal(title + ".ics", disposition.FileNameStar);

        var eventId = await _app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug });
        foreach (var parsed in await CalendarCheck.ParseAsync(await response.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal("PUBLISH", parsed.Method);
            Assert.Equal(title, parsed.Str("summary"));
            Assert.Equal($"event-{eventId}@portal.example.jp", parsed.Str("uid"));
            Assert.Equal("2030-03-06T03:00:00.000Z", parsed.Str("startUtc"));
            Assert.Equal("2030-03-06T04:00:00.000Z", parsed.Str("endUtc"));
            Assert.Equal("Asia/Tokyo", parsed.Str("startTzid"));
            Assert.Equal(0, parsed.Event.GetProperty("attendees").GetArrayLength());
            Assert.Equal("オンライン(Zoom)", parsed.Str("location"));
        }
    }

    [Fact]
    public async Task A_registration_invite_is_a_REQUEST_with_the_personal_join_link()
    {
        var slug = await _app.CreateEventAsync(startsAt: Start);
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, "invitee@example.jp");

        var response = await client.GetAsync($"{personal}/invite.ics");
        Assert.True(response.Headers.CacheControl is { NoStore: true, Private: true });

        foreach (var parsed in await CalendarCheck.ParseAsync(await response.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal("REQUEST", parsed.Method);
            Assert.Matches(@"^event-\d+-reg-\d+@portal\.example\.jp$", parsed.Str("uid"));
            Assert.Equal("2030-03-06T03:00:00.000Z", parsed.Str("startUtc"));
            Assert.Equal(0, parsed.Event.GetProperty("sequence").GetInt32());
            Assert.Equal("CONFIRMED", parsed.Str("status"));
            Assert.Contains("mailto:invitee@example.jp", parsed.Event.GetProperty("attendees")[0].GetString(),
                StringComparison.OrdinalIgnoreCase);
            Assert.Matches("/j/[A-Za-z0-9_-]{24}$", parsed.Str("location"));
            Assert.Contains(personal, parsed.Str("description"));
            Assert.Contains("11:55から入室できます", parsed.Str("description"));
            Assert.Equal(1, parsed.Event.GetProperty("alarms").GetInt32());
        }
    }

    [Fact]
    public async Task A_cancelled_registration_gets_a_CANCEL_with_the_same_UID_and_a_higher_sequence()
    {
        var slug = await _app.CreateEventAsync(startsAt: Start);
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, "leaver@example.jp");
        var before = (await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"{personal}/invite.ics")))[0];

        using var browser = _app.Browser();
        await browser.CancelAsync(personal);

        foreach (var after in await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"{personal}/invite.ics")))
        {
            Assert.Equal("CANCEL", after.Method);
            Assert.Equal("CANCELLED", after.Str("status"));
            Assert.Equal(before.Str("uid"), after.Str("uid"));
            Assert.Equal(1, after.Event.GetProperty("sequence").GetInt32());
            Assert.Equal(0, after.Event.GetProperty("alarms").GetInt32());
        }
    }

    [Fact]
    public async Task A_cancelled_event_turns_every_invite_into_a_CANCEL()
    {
        var slug = await _app.CreateEventAsync(startsAt: Start);
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, "called-off@example.jp");
        await _app.ExecuteAsync("UPDATE events SET status = 'cancelled' WHERE slug = @slug", new { slug });

        foreach (var parsed in await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"{personal}/invite.ics")))
        {
            Assert.Equal("CANCEL", parsed.Method);
            Assert.Equal("CANCELLED", parsed.Str("status"));
        }
        foreach (var parsed in await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"/events/{slug}/event.ics")))
            Assert.Equal("CANCELLED", parsed.Str("status"));
    }

    [Fact]
    public async Task Rescheduling_raises_the_sequence_and_the_next_invite_keeps_the_UID_with_the_new_time()
    {
        var slug = await _app.CreateEventAsync(startsAt: Start);
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, "moved@example.jp");
        var before = (await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"{personal}/invite.ics")))[0];
        using var api = _app.Api();

        await api.RescheduleAsync(slug, Start.AddDays(7).AddHours(2), Start.AddDays(7).AddHours(3));

        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT sequence FROM events WHERE slug = @slug", new { slug }));
        foreach (var after in await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"{personal}/invite.ics")))
        {
            Assert.Equal("REQUEST", after.Method);
            Assert.Equal(before.Str("uid"), after.Str("uid"));
            Assert.Equal(1, after.Event.GetProperty("sequence").GetInt32());
            Assert.Equal("2030-03-13T05:00:00.000Z", after.Str("startUtc"));
        }
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.event_updated'"));
    }

    [Theory]
    [InlineData("Europe/Berlin", "2027-03-28T00:30:00Z", 2)]   // spring forward inside the event
    [InlineData("Europe/Berlin", "2027-10-31T00:30:00Z", 2)]   // fall back inside the event
    [InlineData("America/New_York", "2027-03-14T06:30:00Z", 2)]
    [InlineData("Australia/Sydney", "2027-04-03T15:30:00Z", 2)]
    public async Task Events_across_a_daylight_saving_change_keep_their_instants(string zone, string startUtc, int hours)
    {
        var start = DateTime.Parse(startUtc, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var slug = await _app.CreateEventAsync(startsAt: start, timeZone: zone, length: TimeSpan.FromHours(hours));
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, $"dst-{Guid.NewGuid():N}@example.jp");

        foreach (var path in new[] { $"/events/{slug}/event.ics", $"{personal}/invite.ics" })
        foreach (var parsed in await CalendarCheck.ParseAsync(await client.GetByteArrayAsync(path)))
        {
            Assert.True(start.ToString("yyyy-MM-ddTHH:mm:ss.000Z") == parsed.Str("startUtc"),
                $"{parsed.Parser} read the start of {path} as {parsed.Str("startUtc")}");
            Assert.True(start.AddHours(hours).ToString("yyyy-MM-ddTHH:mm:ss.000Z") == parsed.Str("endUtc"),
                $"{parsed.Parser} read the end of {path} as {parsed.Str("endUtc")}");
        }
    }

    [Fact]
    public async Task The_personal_page_offers_add_to_calendar_links_and_a_QR_code()
    {
        var slug = await _app.CreateEventAsync(startsAt: Start);
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, "links@example.jp");

        var html = await client.GetStringAsync(personal);

        Assert.Contains($"href=\"{personal}/invite.ics\"", html);
        Assert.Contains("https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=", html);
        Assert.Contains("dates=20300306T030000Z/20300306T040000Z", html);
        Assert.Contains("https://outlook.office.com/calendar/deeplink/compose?", html);
        Assert.Contains("https://outlook.live.com/calendar/deeplink/compose?", html);
        Assert.Contains("startdt=2030-03-06T03%3A00%3A00Z", html);
        Assert.Contains("<svg role=\"img\" aria-label=\"お申し込み内容のページを開く QR コード\"", html);

        var png = await client.GetAsync($"{personal}/qr.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await png.Content.ReadAsByteArrayAsync())[..4]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/r/AAAAAAAAAAAAAAAAAAAAAAAA/qr.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/r/AAAAAAAAAAAAAAAAAAAAAAAA/invite.ics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/events/nothing-here/event.ics")).StatusCode);
    }
}
