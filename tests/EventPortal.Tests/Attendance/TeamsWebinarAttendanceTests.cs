using EventPortal.Tests.Infrastructure;
using EventPortal.Tests.Meetings;
using EventPortal.Web.Attendance;
using EventPortal.Web.Outbox;
using static EventPortal.Tests.Attendance.AttendanceKit;

namespace EventPortal.Tests.Attendance;

/// <summary>
/// A linked Teams webinar's attendance (<c>Teams:Mode=Webinar</c>) through Graph's virtual event sessions, against
/// <see cref="FakeGraph"/>: the session's reports are read page by page and people are matched by their webinar
/// registration, else by e-mail.
/// </summary>
public sealed class TeamsWebinarAttendanceTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_linked_webinars_session_reports_mark_registrants_by_their_registration_or_address(string engine)
    {
        var clock = new TestClock(Before);
        await using var graph = await FakeGraph.StartAsync();
        var settings = graph.MeetingSettings();
        settings["EventPortal:Meetings:Teams:Mode"] = "Webinar";
        await using var app = await StartAsync(engine, settings, clock, graph.ConfigureMeetingServices);
        var webinarId = graph.AddWebinar();
        var (slug, eventId) = await app.ProviderEventAsync("Teams", Start);
        var link = FakeGraph.RegistrationWebUrl(webinarId);
        using (var api = app.Api()) await api.PatchEventAsync(slug, new System.Text.Json.Nodes.JsonObject { ["meetingUrl"] = link });
        await app.PublishAsync(slug);
        await app.SettledAsync();
        await app.RegisterAsync(slug, ["alice@example.jp", "bob@example.jp", "carol@example.jp"]);
        var registrations = await app.RegistrantIdsAsync(eventId, 3);
        await app.DropQueuedImportsAsync();

        // The webinar has ended but Teams has no report yet: no session listed, then a session without a report.
        clock.Now = new DateTimeOffset(End).AddMinutes(10);
        Assert.Contains("no attendance report yet", (await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId))).Message);
        var session = graph.AddWebinarSession(webinarId, At(0), At(60));
        Assert.False((await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId))).Permanent);

        graph.AttendanceRecordsPageSize = 2;
        graph.AddAttendanceReport(session, At(-5), At(61),
        [
            // Alice joined with her personal address: her webinar registration names her.
            new FakeAttendanceRecord("alice.home@example.org", "Alice", [(At(0), At(25)), (At(30), At(45))])
            {
                RegistrationId = registrations["alice@example.jp"],
            },
            new FakeAttendanceRecord("BOB@example.jp", "Bob", At(0), At(5)),
            new FakeAttendanceRecord("guest@other.example", "Guest", At(0), At(60)),
        ]);
        clock.Now += AttendanceReports.NotReadyRetry;
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId));

        var marks = await app.MarksAsync(eventId);
        Assert.Equal((true, "teams", 40), marks["alice@example.jp"].Decision);
        Assert.Equal((false, "teams", 5), marks["bob@example.jp"].Decision);
        Assert.Equal((false, "teams", 0), marks["carol@example.jp"].Decision);
        Assert.Equal(new ReportSummary("teams", Participants: 3, Matched: 2, Unmatched: 1, Attended: 1, Threshold: 10),
            await app.SummaryAsync(eventId));

        var reads = graph.Requests.Where(r => r.Contains("/attendance", StringComparison.Ordinal)).ToList();
        Assert.All(reads, r => Assert.StartsWith($"GET /v1.0/solutions/virtualEvents/webinars/{webinarId}/sessions/{session}/", r));
        Assert.Equal(2, reads.Count(r => r.Contains("/attendanceRecords", StringComparison.Ordinal))); // three records, two a page

        // Read again: the same marks.
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId, attempt: 2));
        Assert.Equal(marks.Values.Select(m => m.Decision), (await app.MarksAsync(eventId)).Values.Select(m => m.Decision));
    }
}
