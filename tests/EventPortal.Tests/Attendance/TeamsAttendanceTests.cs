using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Attendance;
using EventPortal.Web.Outbox;
using static EventPortal.Tests.Attendance.AttendanceKit;

namespace EventPortal.Tests.Attendance;

/// <summary>
/// A Teams meeting's attendance reports through Graph, against <see cref="FakeGraph"/>: only sessions around the
/// event's time count, each report's records are read page by page, people are matched by e-mail.
/// </summary>
public sealed class TeamsAttendanceTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_event_sessions_reports_mark_by_e_mail_and_a_rehearsal_is_ignored(string engine)
    {
        var clock = new TestClock(Before);
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(engine, graph.MeetingSettings(), clock, graph.ConfigureMeetingServices);
        var (slug, eventId) = await app.PublishedAsync("Teams");
        var meeting = Assert.Single(graph.OnlineMeetings);
        await app.RegisterAsync(slug, ["alice@example.jp", "bob@example.jp", "carol@example.jp", "dave@example.jp", "erin@example.jp"]);
        await app.DropQueuedImportsAsync();
        // This event counts fifteen minutes in the meeting as attending.
        await app.ExecuteAsync("UPDATE events SET attendance_minutes = 15 WHERE id = @eventId", new { eventId });

        // No session has ended yet: Graph answers an empty list.
        clock.Now = new DateTimeOffset(End).AddMinutes(10);
        var notReady = await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId));
        Assert.False(notReady.Permanent);
        Assert.Contains("no attendance report yet", notReady.Message);

        // A rehearsal the day before has a report; it is not the event's.
        var rehearsal = graph.AddAttendanceReport(meeting.Id, At(-24 * 60), At(-23 * 60),
        [
            new FakeAttendanceRecord("erin@example.jp", "Erin", At(-24 * 60), At(-23 * 60)),
            new FakeAttendanceRecord("alice@example.jp", "Alice", At(-24 * 60), At(-23 * 60)),
        ]);
        Assert.False((await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId))).Permanent);
        Assert.All((await app.MarksAsync(eventId)).Values, m => Assert.Equal((null, null, null), m.Decision));

        // The event: the meeting dropped at 0:50 and was started again, so Teams made two reports.
        graph.AttendanceRecordsPageSize = 2;
        graph.AddAttendanceReport(meeting.Id, At(-2), At(50),
        [
            new FakeAttendanceRecord("ALICE@Example.jp", "Alice", [(At(0), At(20)), (At(25), At(45))]),
            new FakeAttendanceRecord("bob@example.jp", "Bob", At(0), At(5)),
            new FakeAttendanceRecord("dave@example.jp", "Dave", At(0), At(14)),
            new FakeAttendanceRecord("guest@other.example", "Guest", At(0), At(50)),
            new FakeAttendanceRecord(null, "+81 3 xxxx 1234", At(10), At(40)),
        ]);
        graph.AddAttendanceReport(meeting.Id, At(50), At(61), [new FakeAttendanceRecord("bob@example.jp", "Bob", At(50), At(60))]);
        clock.Now += AttendanceReports.NotReadyRetry;
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId));

        var marks = await app.MarksAsync(eventId);
        Assert.Equal((true, "teams", 40), marks["alice@example.jp"].Decision);
        Assert.Equal((true, "teams", 15), marks["bob@example.jp"].Decision);    // 5 + 10 minutes over two sessions: just enough
        Assert.Equal((false, "teams", 0), marks["carol@example.jp"].Decision);
        Assert.Equal((false, "teams", 14), marks["dave@example.jp"].Decision);
        Assert.Equal((false, "teams", 0), marks["erin@example.jp"].Decision);   // only at the rehearsal
        Assert.Equal(new ReportSummary("teams", Participants: 5, Matched: 3, Unmatched: 2, Attended: 2, Threshold: 15),
            await app.SummaryAsync(eventId));

        var records = graph.Requests.Where(r => r.Contains("/attendanceRecords", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, records.Count); // five records two a page, and the second session's one
        Assert.Equal(2, records.Count(r => r.Contains("$skiptoken=", StringComparison.Ordinal)));
        Assert.DoesNotContain(records, r => r.Contains(rehearsal.Id, StringComparison.Ordinal));
        Assert.All(records, r => Assert.StartsWith($"GET /v1.0/users/{graph.OrganiserUserId}/onlineMeetings/", r));

        // Read again: the same marks.
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId, attempt: 2));
        Assert.Equal(marks.Values.Select(m => m.Decision), (await app.MarksAsync(eventId)).Values.Select(m => m.Decision));
    }

    [Fact]
    public async Task A_meeting_Teams_no_longer_has_is_a_permanent_failure_kept_with_Graphs_code()
    {
        var clock = new TestClock(Before);
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync("sqlite", graph.MeetingSettings(), clock, graph.ConfigureMeetingServices);
        var (slug, eventId) = await app.PublishedAsync("Teams");
        await app.RegisterAsync(slug, ["alice@example.jp"]);
        await app.DropQueuedImportsAsync();
        // Someone deleted the meeting in Teams itself.
        await app.ExecuteAsync("UPDATE events SET meeting_external_id = 'MSoGone' WHERE id = @eventId", new { eventId });

        clock.Now = new DateTimeOffset(End).AddMinutes(10);
        var gone = await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId));
        Assert.True(gone.Permanent);
        Assert.Contains("NotFound", gone.Message);

        // A throttled Graph is retried, not given up.
        await app.ExecuteAsync("UPDATE events SET meeting_external_id = @id WHERE id = @eventId",
            new { id = Assert.Single(graph.OnlineMeetings).Id, eventId });
        graph.FailNextMeeting(FakeGraphFailure.Throttled, retryAfterSeconds: 30);
        var throttled = await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId));
        Assert.False(throttled.Permanent);
        Assert.Equal(TimeSpan.FromSeconds(30), throttled.RetryAfter);
        Assert.Null((await app.MarksAsync(eventId))["alice@example.jp"].Attended);
    }
}
