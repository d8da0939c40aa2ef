using EventPortal.Tests.Infrastructure;
using EventPortal.Tests.Meetings;
using EventPortal.Web.Attendance;
using EventPortal.Web.Outbox;
using static EventPortal.Tests.Attendance.AttendanceKit;

namespace EventPortal.Tests.Attendance;

/// <summary>
/// Zoom's participants report after the event, against <see cref="FakeZoom"/>: read page by page, matched with the
/// confirmed live registrations by registrant id or e-mail, and marked by the minutes each stayed.
/// </summary>
public sealed class ZoomAttendanceTests
{
    static readonly string[] People =
    [
        "alice@example.jp", "bob@example.jp", "carol@example.jp", "dave@example.jp", "erin@example.jp", "frank@example.jp",
        "grace@example.jp",
    ];

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_report_marks_who_stayed_long_enough_and_keeps_what_staff_marked(string engine)
    {
        var clock = new TestClock(Before);
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(engine, zoom.Settings(registrantLinks: true), clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        var meetingId = Assert.Single(zoom.Meetings).Id;
        var ids = await app.RegisterAsync(slug, People);
        await app.RegisterAsync(slug, ["watcher@example.jp"], ticket: "recording");
        var registrant = await app.RegistrantIdsAsync(eventId, People.Length);
        await app.DropQueuedImportsAsync();

        // After the end, before Zoom has the report: retried later, nothing marked.
        clock.Now = new DateTimeOffset(End).AddMinutes(10);
        var notReady = await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId));
        Assert.False(notReady.Permanent);
        Assert.Equal(AttendanceReports.NotReadyRetry, notReady.RetryAfter);
        Assert.Contains("no attendance report yet", notReady.Message);
        Assert.All((await app.MarksAsync(eventId)).Values, m => Assert.Equal((null, null, null), m.Decision));
        Assert.Null(await app.SummaryAsync(eventId));

        // Staff mark two people in the console before the report comes.
        using (var browser = await app.SignedInAsync())
        {
            await browser.MarkInConsoleAsync(slug, ids["frank@example.jp"], "no");
            await browser.MarkInConsoleAsync(slug, ids["grace@example.jp"], "yes");
        }

        zoom.MaxReportPageSize = 2;
        zoom.SetParticipantsReport(meetingId,
        [
            // Alice left and came back while her first connection was still open: 0–20 and 10–30 are 30 minutes, not 40.
            new("Alice", "alice@example.jp", At(0), At(20), registrant["alice@example.jp"]),
            new("Alice (iPad)", "alice@example.jp", At(10), At(30), registrant["alice@example.jp"]),
            // Bob dropped out and came back: 0–8 and 40–50 are 18 minutes.
            new("Bob", "bob@example.jp", At(0), At(8), registrant["bob@example.jp"]),
            new("Bob", "bob@example.jp", At(40), At(50), registrant["bob@example.jp"]),
            // Carol came through the shared link (no registrant id), her address typed in other case.
            new("Carol", "Carol@Example.JP", At(5), At(50)),
            // Dave stayed five minutes: below the event's ten.
            new("Dave", "dave@example.jp", At(0), At(5), registrant["dave@example.jp"]),
            // Staff said Frank was absent; the report's minutes are noted, the mark stays.
            new("Frank", "frank@example.jp", At(0), At(40), registrant["frank@example.jp"]),
            // Erin waited in the waiting room and was never let in: that is no time in the meeting.
            new("Erin", "erin@example.jp", At(0), At(30), registrant["erin@example.jp"], Status: "in_waiting_room"),
            // Nobody registered under these: a guest, and a phone dialling in.
            new("Guest", "guest@other.example", At(0), At(60)),
            new("+81 3 xxxx 1234", null, At(15), At(45)),
        ]);
        var requestsBefore = zoom.ReportRequests;
        clock.Now += AttendanceReports.NotReadyRetry;
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId));
        Assert.Equal(5, zoom.ReportRequests - requestsBefore); // ten entries, two a page

        var marks = await app.MarksAsync(eventId);
        Assert.Equal((true, "zoom", 30), marks["alice@example.jp"].Decision);
        Assert.Equal((true, "zoom", 18), marks["bob@example.jp"].Decision);
        Assert.Equal((true, "zoom", 45), marks["carol@example.jp"].Decision);
        Assert.Equal((false, "zoom", 5), marks["dave@example.jp"].Decision);
        Assert.Equal((false, "zoom", 0), marks["erin@example.jp"].Decision);   // confirmed, live, never in the meeting
        Assert.Equal((false, "console", 40), marks["frank@example.jp"].Decision);
        Assert.Equal((true, "console", null), marks["grace@example.jp"].Decision);
        Assert.Equal((null, null, null), marks["watcher@example.jp"].Decision); // a recording ticket is not expected live
        Assert.Equal(clock.Now.UtcDateTime, marks["alice@example.jp"].AttendedAt);
        Assert.True(marks.Values.All(m => m.JoinedAt is null));
        Assert.Equal(new ReportSummary("zoom", Participants: 7, Matched: 5, Unmatched: 2, Attended: 4, Threshold: 10),
            await app.SummaryAsync(eventId));

        // Reading the report again (a retried row, "import now") decides the same.
        clock.Now += TimeSpan.FromHours(1);
        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId, attempt: 2));
        var again = await app.MarksAsync(eventId);
        Assert.Equal(marks.Values.Select(m => (m.Email, m.Decision)), again.Values.Select(m => (m.Email, m.Decision)));
        Assert.Equal(new ReportSummary("zoom", 7, 5, 2, 4, 10), await app.SummaryAsync(eventId));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_queued_row_waits_for_the_end_retries_until_the_report_exists_then_marks(string engine)
    {
        var clock = new TestClock(Before);
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(engine, zoom.Settings(), clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        await app.RegisterAsync(slug, ["alice@example.jp", "bob@example.jp"]);
        var row = await ImportRowAsync(app);
        Assert.Equal(("queued", End + AttendanceReports.Delay), (row.Status, row.DueAt));

        clock.Now = new DateTimeOffset(End + AttendanceReports.Delay);
        row = await ImportRowAsync(app, r => r.Status == "retry");
        Assert.Contains("no attendance report yet", row.LastError);
        Assert.Equal(clock.Now.UtcDateTime + AttendanceReports.NotReadyRetry, row.DueAt);
        Assert.Equal(1, zoom.ReportRequests);

        zoom.SetParticipantsReport(Assert.Single(zoom.Meetings).Id, [new("Alice", "ALICE@example.jp", At(-3), At(58))]);
        clock.Now += AttendanceReports.NotReadyRetry;
        row = await ImportRowAsync(app, r => r.Status == "sent");
        Assert.Equal(2, row.Attempts);
        var marks = await app.MarksAsync(eventId);
        Assert.Equal((true, "zoom", 61), marks["alice@example.jp"].Decision);
        Assert.Equal((false, "zoom", 0), marks["bob@example.jp"].Decision);
    }

    [Fact]
    public async Task Before_the_end_the_row_skips_itself_and_two_days_after_it_gives_up()
    {
        var clock = new TestClock(Before);
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync("sqlite", zoom.Settings(webinar: true), clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        await app.RegisterAsync(slug, ["alice@example.jp"]);
        await app.DropQueuedImportsAsync();

        // The event was moved later after this row was planned: now is before the (new) end.
        clock.Now = At(30);
        Assert.Equal(OutboxResult.Skipped, await app.ImportAsync(eventId));
        Assert.Equal(0, zoom.ReportRequests);

        clock.Now = new DateTimeOffset(End + AttendanceReports.GiveUpAfter).AddMinutes(1);
        var late = await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId));
        Assert.True(late.Permanent);
        Assert.Contains("import a CSV or mark by hand", late.Message);
        Assert.All(zoom.Requests.Where(r => r.Contains("/report/", StringComparison.Ordinal)),
            r => Assert.StartsWith("GET /v2/report/webinars/", r));
        Assert.All((await app.MarksAsync(eventId)).Values, m => Assert.Null(m.Attended));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_page_that_fails_midway_marks_nobody_and_the_retry_reads_the_whole_report(string engine)
    {
        var clock = new TestClock(Before);
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(engine, zoom.Settings(), clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        await app.RegisterAsync(slug, ["alice@example.jp", "bob@example.jp", "carol@example.jp"]);
        await app.DropQueuedImportsAsync();
        zoom.MaxReportPageSize = 1;
        zoom.SetParticipantsReport(Assert.Single(zoom.Meetings).Id,
        [
            new("Alice", "alice@example.jp", At(0), At(60)), new("Bob", "bob@example.jp", At(0), At(60)),
            new("Carol", "carol@example.jp", At(0), At(60)),
        ]);
        zoom.FailReportPageOnce(3);

        clock.Now = new DateTimeOffset(End).AddMinutes(10);
        var failed = await Assert.ThrowsAsync<OutboxException>(() => app.ImportAsync(eventId));
        Assert.False(failed.Permanent);
        Assert.Contains("Zoom: 500", failed.Message);
        Assert.All((await app.MarksAsync(eventId)).Values, m => Assert.Equal((null, null, null), m.Decision));
        Assert.Null(await app.SummaryAsync(eventId));

        Assert.Equal(OutboxResult.Done, await app.ImportAsync(eventId, attempt: 2));
        Assert.All((await app.MarksAsync(eventId)).Values, m => Assert.Equal((true, "zoom", 60), m.Decision));

        // Once the event is cancelled, a row left over does nothing.
        await app.CancelEventAsync(slug);
        Assert.Equal(OutboxResult.Skipped, await app.ImportAsync(eventId, attempt: 3));
    }

    [Fact]
    public async Task A_postponed_event_plans_an_import_for_its_new_end_and_the_old_row_skips_itself()
    {
        var clock = new TestClock(Before);
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync("sqlite", zoom.Settings(), clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        await app.RegisterAsync(slug, ["alice@example.jp"]);
        var (start, end) = (Start.AddDays(7), End.AddDays(7));
        await app.PostponeAsync(slug, "成果報告会(延期)", start, end);
        await app.SettledAsync();
        var rows = await ImportRowsAsync(app);
        Assert.Equal([("queued", End + AttendanceReports.Delay), ("queued", end + AttendanceReports.Delay)],
            rows.Select(r => (r.Status, r.DueAt)));

        clock.Now = new DateTimeOffset(End + AttendanceReports.Delay);
        rows = await ImportRowsAsync(app, r => r[0].Status == "skipped");
        Assert.Equal("queued", rows[1].Status);
        Assert.Equal(0, zoom.ReportRequests);

        zoom.SetParticipantsReport(Assert.Single(zoom.Meetings).Id,
            [new("Alice", "alice@example.jp", new DateTimeOffset(start), new DateTimeOffset(start).AddMinutes(12))]);
        clock.Now = new DateTimeOffset(end + AttendanceReports.Delay);
        await ImportRowsAsync(app, r => r[1].Status == "sent");
        Assert.Equal((true, "zoom", 12), (await app.MarksAsync(eventId))["alice@example.jp"].Decision);
    }

    public sealed record ImportRow
    {
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime DueAt { get; init; }
        public string? LastError { get; init; }
    }

    /// <summary>The event's one import row, once <paramref name="until"/> holds (the dispatcher works in the background).</summary>
    static async Task<ImportRow> ImportRowAsync(PortalApp app, Func<ImportRow, bool>? until = null) =>
        Assert.Single(await ImportRowsAsync(app, rows => rows.Count == 1 && (until is null || until(rows[0]))));

    /// <summary>The import rows, oldest due first, once <paramref name="until"/> holds.</summary>
    static async Task<List<ImportRow>> ImportRowsAsync(PortalApp app, Func<List<ImportRow>, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + MeetingKit.Wait;
        while (true)
        {
            var rows = await app.QueryAsync<ImportRow>(
                "SELECT status, attempts, due_at, last_error FROM outbox WHERE kind = @kind ORDER BY due_at, id",
                new { kind = AttendanceReports.Kind });
            if (until is null || until(rows)) return rows;
            Assert.True(DateTime.UtcNow < deadline, $"import rows:\n{string.Join("\n", rows)}");
            await Task.Delay(100);
        }
    }
}
