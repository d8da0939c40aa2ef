using System.Net;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using static EventPortal.Tests.Attendance.AttendanceKit;

namespace EventPortal.Tests.Attendance;

/// <summary>
/// The registrant's own join link (<c>/j/{token}</c>) as attendance: the first redirect inside the door window marks
/// them as come; a provider's report that names them decides instead, one that does not keeps the join.
/// </summary>
public sealed class JoinAttendanceTests
{
    const string Room = "https://meet.example/room/attendance-7781";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_first_redirect_inside_the_door_window_marks_the_registrant_as_come(string engine)
    {
        var clock = new TestClock(Before);
        await using var app = await StartAsync(engine, [], clock);
        var (slug, eventId) = await app.PublishedAsync("Manual");
        using (var api = app.Api()) await api.PatchEventAsync(slug, new JsonObject { ["meetingUrl"] = Room });
        var ids = await app.RegisterAsync(slug, ["alice@example.jp", "bob@example.jp", "carol@example.jp"]);
        using (var browser = await app.SignedInAsync()) await browser.MarkInConsoleAsync(slug, ids["carol@example.jp"], "no");
        using var client = app.Client();
        var alice = await app.JoinPathAsync(ids["alice@example.jp"]);

        // Six minutes before the start the door (five minutes) is shut: a page, no mark.
        clock.Now = At(-6);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(alice)).StatusCode);
        Assert.Equal((null, null, null, null), Of((await app.MarksAsync(eventId))["alice@example.jp"]));

        clock.Now = At(-5);
        var open = await client.GetAsync(alice);
        Assert.Equal(HttpStatusCode.Found, open.StatusCode);
        Assert.Equal(Room, open.Headers.Location!.OriginalString);
        var joined = clock.Now.UtcDateTime;
        Assert.Equal((true, "join", joined, joined), Of((await app.MarksAsync(eventId))["alice@example.jp"]));

        // Coming back later changes nothing: the first join is kept.
        clock.Now = At(20);
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync(alice)).StatusCode);
        Assert.Equal((true, "join", joined, joined), Of((await app.MarksAsync(eventId))["alice@example.jp"]));

        // Staff said Carol was absent: her join is noted, their mark stays.
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync(await app.JoinPathAsync(ids["carol@example.jp"]))).StatusCode);
        var carol = (await app.MarksAsync(eventId))["carol@example.jp"];
        Assert.Equal((false, "console", clock.Now.UtcDateTime), (carol.Attended, carol.AttendedSource, carol.JoinedAt));
        Assert.NotEqual(clock.Now.UtcDateTime, carol.AttendedAt);

        Assert.Equal((null, null, null, null), Of((await app.MarksAsync(eventId))["bob@example.jp"]));
        // A manual meeting has no report to read.
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind LIKE 'attendance.%'"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_HEAD_request_and_a_join_before_the_doors_open_lead_to_the_room_but_mark_no_one(string engine)
    {
        var clock = new TestClock(Before);
        await using var app = await StartAsync(engine, [], clock);
        var (slug, eventId) = await app.PublishedAsync("Manual");
        using (var api = app.Api()) await api.PatchEventAsync(slug, new JsonObject { ["meetingUrl"] = Room });
        // The room opens an hour early (for a rehearsal); the doors (five minutes before the start) do not move. Set here
        // directly: the console has no field for it.
        await app.ExecuteAsync("UPDATE events SET join_opens_at = @early WHERE id = @eventId",
            new { early = Start.AddHours(-1), eventId });
        var ids = await app.RegisterAsync(slug, ["alice@example.jp"]);
        var alice = await app.JoinPathAsync(ids["alice@example.jp"]);
        using var client = app.Client();

        // Half an hour early: the link leads to the room, but a test click is not attendance.
        clock.Now = At(-30);
        var early = await client.GetAsync(alice);
        Assert.Equal(HttpStatusCode.Found, early.StatusCode);
        Assert.Equal(Room, early.Headers.Location!.OriginalString);
        Assert.Equal((null, null, null, null), Of((await app.MarksAsync(eventId))["alice@example.jp"]));

        // Inside the door window a HEAD (a mail scanner checking the link) is answered alike and marks no one.
        clock.Now = At(-2);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, alice));
        Assert.Equal(HttpStatusCode.Found, head.StatusCode);
        Assert.Equal((null, null, null, null), Of((await app.MarksAsync(eventId))["alice@example.jp"]));

        // Her own GET a minute later is the first join.
        clock.Now = At(-1);
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync(alice)).StatusCode);
        var joined = clock.Now.UtcDateTime;
        Assert.Equal((true, "join", joined, joined), Of((await app.MarksAsync(eventId))["alice@example.jp"]));
    }

    static (bool?, string?, DateTime?, DateTime?) Of(Mark m) => (m.Attended, m.AttendedSource, m.JoinedAt, m.AttendedAt);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_report_that_names_a_joiner_decides_by_minutes_and_one_that_does_not_keeps_the_join(string engine)
    {
        var clock = new TestClock(Before);
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(engine, zoom.Settings(), clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        var meeting = Assert.Single(zoom.Meetings);
        var ids = await app.RegisterAsync(slug, ["alice@example.jp", "bob@example.jp", "carol@example.jp", "dave@example.jp"]);
        await app.DropQueuedImportsAsync();

        clock.Now = At(-2);
        using var client = app.Client();
        foreach (var who in new[] { "alice@example.jp", "bob@example.jp", "dave@example.jp" })
        {
            var response = await client.GetAsync(await app.JoinPathAsync(ids[who]));
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(meeting.JoinUrl, response.Headers.Location!.OriginalString);
        }
        var joined = clock.Now.UtcDateTime;
        var early = await app.MarksAsync(eventId);
        foreach (var who in new[] { "alice@example.jp", "bob@example.jp", "dave@example.jp" })
            Assert.Equal((true, "join", joined), (early[who].Attended, early[who].AttendedSource, early[who].JoinedAt));

        zoom.SetParticipantsReport(meeting.Id,
        [
            // Alice is in the room under another name and address: the report does not name her.
            new("Hanako's iPhone", null, At(-1), At(55)),
            new("Bob", "bob@example.jp", At(-1), At(44)),
            new("Dave", "Dave@example.jp", At(0), At(3)),
        ]);
        clock.Now = new DateTimeOffset(End).AddMinutes(15);
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId));

        var marks = await app.MarksAsync(eventId);
        Assert.Equal((true, "join", null), marks["alice@example.jp"].Decision);
        Assert.Equal((true, "zoom", 45), marks["bob@example.jp"].Decision);
        Assert.Equal((false, "zoom", 3), marks["dave@example.jp"].Decision);   // opened the door, left at once
        Assert.Equal((false, "zoom", 0), marks["carol@example.jp"].Decision);
        Assert.All(new[] { "alice@example.jp", "bob@example.jp", "dave@example.jp" }, who => Assert.Equal(joined, marks[who].JoinedAt));
        Assert.Null(marks["carol@example.jp"].JoinedAt);

        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId, attempt: 2));
        Assert.Equal(marks.Values.Select(m => (m.Decision, m.JoinedAt)),
            (await app.MarksAsync(eventId)).Values.Select(m => (m.Decision, m.JoinedAt)));
    }
}
