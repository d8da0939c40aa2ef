using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using EventPortal.Web.Meetings;

namespace EventPortal.Tests.Meetings;

/// <summary>Teams meetings through Graph onlineMeetings, against <see cref="FakeGraph"/>, driven by the real outbox.</summary>
public sealed class TeamsMeetingTests
{
    static Task<PortalApp> StartAsync(FakeGraph graph) =>
        PortalApp.StartSqliteAsync(settings: MeetingKit.Quick(graph.MeetingSettings()), services: graph.ConfigureMeetingServices);

    [Fact]
    public async Task Publishing_makes_one_meeting_a_change_updates_it_and_cancelling_deletes_it()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await app.ProviderEventAsync("Teams");

        await app.PublishAsync(slug);
        await app.SettledAsync();
        var meeting = Assert.Single(graph.OnlineMeetings);
        Assert.Equal($"eventportal-event-{id}", meeting.ExternalId);
        Assert.Equal("成果報告会:メンタリング", meeting.Subject);
        Assert.Equal(new DateTimeOffset(2031, 3, 6, 3, 0, 0, TimeSpan.Zero), meeting.Start);
        Assert.Equal(new DateTimeOffset(2031, 3, 6, 4, 0, 0, TimeSpan.Zero), meeting.End);
        Assert.Equal("everyone", meeting.LobbyBypass); // the public is let in, not left in the lobby
        var stored = await app.MeetingAsync(id);
        Assert.Equal(("ready", meeting.JoinWebUrl, meeting.Id), (stored.MeetingState, stored.MeetingUrl, stored.MeetingExternalId));

        await app.PostponeAsync(
            slug,
            "成果報告会(延期)",
            new DateTime(2031, 3, 13, 3, 0, 0, DateTimeKind.Utc),
            new DateTime(2031, 3, 13, 4, 30, 0, DateTimeKind.Utc));
        await app.SettledAsync();
        meeting = Assert.Single(graph.OnlineMeetings);
        Assert.Equal("成果報告会(延期)", meeting.Subject);
        Assert.Equal(new DateTimeOffset(2031, 3, 13, 4, 30, 0, TimeSpan.Zero), meeting.End);
        Assert.Equal(meeting.JoinWebUrl, (await app.MeetingAsync(id)).MeetingUrl);

        await app.CancelEventAsync(slug);
        var rows = await app.SettledAsync();
        Assert.All(rows, r => Assert.Equal("sent", r.Status));
        Assert.True(Assert.Single(graph.OnlineMeetings).Deleted);
        stored = await app.MeetingAsync(id);
        Assert.Equal("deleted", stored.MeetingState);
        Assert.Null(stored.MeetingUrl);
    }

    [Fact]
    public async Task A_500_and_a_429_from_Graph_are_retried_and_still_make_one_meeting()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await app.ProviderEventAsync("Teams");
        graph.FailNextMeeting(FakeGraphFailure.ServerError);
        graph.FailNextMeeting(FakeGraphFailure.Throttled, retryAfterSeconds: 1);

        await app.PublishAsync(slug);
        var row = Assert.Single(await app.SettledAsync());
        Assert.Equal(("sent", 3), (row.Status, row.Attempts));
        Assert.Single(graph.OnlineMeetings);
        Assert.Equal("ready", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task A_refusal_stops_and_keeps_Graphs_code_for_the_console()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await app.ProviderEventAsync("Teams");
        graph.FailNextMeeting(FakeGraphFailure.InvalidRecipients); // answered as 403 Forbidden (no access policy)

        await app.PublishAsync(slug);
        var row = Assert.Single(await app.SettledAsync());
        Assert.Equal(("failed", 1), (row.Status, row.Attempts));
        var stored = await app.MeetingAsync(id);
        Assert.Equal("failed", stored.MeetingState);
        Assert.Contains("Forbidden", stored.MeetingError);
        Assert.Empty(graph.OnlineMeetings);
    }

    [Fact]
    public async Task A_crash_between_Graphs_answer_and_our_commit_does_not_make_a_second_meeting()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await app.ProviderEventAsync("Teams");

        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        // The commit is lost: the database knows nothing of the meeting Graph made.
        await app.ExecuteAsync(
            "UPDATE events SET meeting_url = NULL, meeting_external_id = NULL, meeting_state = 'pending' WHERE id = @id", new { id });
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));

        Assert.Equal(1, graph.MeetingsWithExternalId($"eventportal-event-{id}"));
        var meeting = Assert.Single(graph.OnlineMeetings);
        Assert.Equal(meeting.JoinWebUrl, (await app.MeetingAsync(id)).MeetingUrl);
    }

    [Fact]
    public async Task A_manual_event_queues_nothing()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await app.ProviderEventAsync("Manual");
        await app.PublishAsync(slug);
        Assert.Empty(await app.MeetingRowsAsync());
        Assert.Equal(0, graph.OnlineMeetingCalls);
    }

    [Fact]
    public async Task The_join_url_and_passcode_stay_off_the_public_pages()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await app.ProviderEventAsync("Teams");
        await app.PublishAsync(slug);
        await app.SettledAsync();
        var meeting = Assert.Single(graph.OnlineMeetings);

        var text = await app.PublicTextAsync(slug);
        foreach (var secret in new[] { meeting.JoinWebUrl, meeting.Id, meeting.Passcode, "meetup-join", graph.ClientSecret })
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
    }

    // ---- calendar-backed Teams meetings (EventPortal:Meetings:Teams:Mode = CalendarEvent) ------

    static Dictionary<string, string?> CalendarSettings(FakeGraph graph)
    {
        var settings = MeetingKit.Quick(graph.MeetingSettings());
        settings["EventPortal:Meetings:Teams:Mode"] = "CalendarEvent";
        return settings;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task As_a_calendar_event_publishing_makes_one_event_with_a_meeting_a_change_moves_it_and_cancelling_deletes_it(
        string engine)
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await PortalApp.StartOnAsync(engine, CalendarSettings(graph), services: graph.ConfigureMeetingServices);
        var (slug, id) = await app.ProviderEventAsync("Teams");

        await app.PublishAsync(slug);
        await app.SettledAsync();
        var made = Assert.Single(graph.CalendarEvents);
        Assert.Empty(graph.OnlineMeetings);
        // Local wall-clock time in the event's own zone, our key as transactionId, the event page in the body.
        Assert.Equal(("成果報告会:メンタリング", "2031-03-06T12:00:00", "2031-03-06T13:00:00", "Asia/Tokyo", $"eventportal-event-{id}"),
            (made.Subject, made.Start, made.End, made.TimeZone, made.TransactionId));
        Assert.Contains($"https://portal.example.jp/events/{slug}", made.Body);
        Assert.NotNull(made.JoinUrl);
        var stored = await app.MeetingAsync(id);
        Assert.Equal(("ready", made.JoinUrl, made.Id), (stored.MeetingState, stored.MeetingUrl, stored.MeetingExternalId));

        await app.PostponeAsync(
            slug,
            "成果報告会(延期)",
            new DateTime(2031, 3, 13, 3, 0, 0, DateTimeKind.Utc),
            new DateTime(2031, 3, 13, 4, 30, 0, DateTimeKind.Utc));
        await app.SettledAsync();
        made = Assert.Single(graph.CalendarEvents);
        Assert.Equal(("成果報告会(延期)", "2031-03-13T12:00:00", "2031-03-13T13:30:00"), (made.Subject, made.Start, made.End));

        await app.CancelEventAsync(slug);
        Assert.All(await app.SettledAsync(), r => Assert.Equal("sent", r.Status));
        Assert.True(Assert.Single(graph.CalendarEvents).Deleted);
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task As_a_calendar_event_a_crash_before_our_commit_gets_the_same_event_back()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await PortalApp.StartSqliteAsync(settings: CalendarSettings(graph), services: graph.ConfigureMeetingServices);
        var (slug, id) = await app.ProviderEventAsync("Teams");

        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        await app.ExecuteAsync(
            "UPDATE events SET meeting_url = NULL, meeting_external_id = NULL, meeting_state = 'pending' WHERE id = @id", new { id });
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        var made = Assert.Single(graph.CalendarEvents);
        Assert.Equal((made.Id, made.JoinUrl), ((await app.MeetingAsync(id)).MeetingExternalId, (await app.MeetingAsync(id)).MeetingUrl));

        // Cancelled while the id is lost again: the delete finds the event by the same key and removes it.
        await app.ExecuteAsync(
            "UPDATE events SET meeting_url = NULL, meeting_external_id = NULL, meeting_state = 'pending', status = 'cancelled' " +
            "WHERE id = @id",
            new { id });
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Delete));
        Assert.True(Assert.Single(graph.CalendarEvents).Deleted);
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
    }
}
