using EventPortal.Tests.Infrastructure;
using EventPortal.Tests.Meetings;
using EventPortal.Web.Attendance;
using EventPortal.Web.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Attendance;

/// <summary>
/// Helpers for the attendance tests: an app on either engine with a test clock, registrants and their join links,
/// the report import run directly (as the outbox would run its row), and the marks as stored.
/// </summary>
public static class AttendanceKit
{
    /// <summary>The event of these tests: 2031-03-06 12:00–13:00 in Tokyo.</summary>
    public static readonly DateTime Start = new(2031, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime End = Start.AddHours(1);
    /// <summary>Days before the event: registration is open, the meeting is made.</summary>
    public static readonly DateTimeOffset Before = new(2031, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A time in the event's session, <paramref name="minutes"/> after it starts.</summary>
    public static DateTimeOffset At(double minutes) => new DateTimeOffset(Start).AddMinutes(minutes);

    public static Task<PortalApp> StartAsync(string engine, Dictionary<string, string?> settings, TestClock clock,
        Action<IServiceCollection>? services = null) =>
        PortalApp.StartOnAsync(engine, MeetingKit.Quick(settings), clock, services);

    /// <summary>The organiser makes and publishes an event whose meeting <paramref name="provider"/> makes; waits for it.</summary>
    public static async Task<(string Slug, long Id)> PublishedAsync(this PortalApp app, string provider)
    {
        var (slug, id) = await app.ProviderEventAsync(provider, Start);
        await app.PublishAsync(slug);
        if (provider != "Manual") await app.SettledAsync();
        return (slug, id);
    }

    /// <summary>Registers everyone by the public API (for <paramref name="ticket"/>); returns their ids by e-mail.</summary>
    public static async Task<Dictionary<string, long>> RegisterAsync(this PortalApp app, string slug, IEnumerable<string> emails,
        string ticket = "live")
    {
        var ids = new Dictionary<string, long>();
        foreach (var email in emails) ids[email] = await app.RegisterPersonAsync(slug, email, ticket: ticket, category: null);
        return ids;
    }

    /// <summary>Waits until every confirmed live registration has its Zoom registrant (with <c>RegistrantLinks</c>).</summary>
    public static async Task<Dictionary<string, string>> RegistrantIdsAsync(this PortalApp app, long eventId, int count)
    {
        var deadline = DateTime.UtcNow + MeetingKit.Wait;
        while (true)
        {
            var ids = await app.QueryAsync<(string Email, string RegistrantId)>(
                "SELECT email, provider_registrant_id FROM registrations WHERE event_id = @eventId AND provider_registrant_id IS NOT NULL",
                new { eventId });
            if (ids.Count >= count && (await app.MeetingRowsAsync()).All(r => r.Status is "sent" or "skipped" or "failed"))
                return ids.ToDictionary(i => i.Email, i => i.RegistrantId);
            Assert.True(DateTime.UtcNow < deadline,
                $"{ids.Count} of {count} registrants:\n{string.Join("\n", await app.MeetingRowsAsync())}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Drops the import rows the meeting's sync queued, so that moving the clock past the end does not let the
    /// dispatcher run them behind the test's back (the tests run the handler themselves).
    /// </summary>
    public static Task DropQueuedImportsAsync(this PortalApp app) =>
        app.ExecuteAsync("DELETE FROM outbox WHERE kind = @kind", new { kind = AttendanceReports.Kind });

    public static AttendanceReports ReportHandler(this PortalApp app) =>
        app.Services.GetServices<IOutboxHandler>().OfType<AttendanceReports>().Single();

    /// <summary>Runs an <c>attendance.report</c> row for the event directly, as the dispatcher would.</summary>
    public static Task<OutboxResult> ImportAsync(this PortalApp app, long eventId, int attempt = 1) =>
        app.ReportHandler().HandleAsync(
            new OutboxRow { Id = 0, Kind = AttendanceReports.Kind, EventId = eventId, Attempts = attempt }, CancellationToken.None);

    /// <summary>One registration's attendance as stored.</summary>
    public sealed record Mark
    {
        public string Email { get; init; } = "";
        public bool? Attended { get; init; }
        public string? AttendedSource { get; init; }
        public int? AttendedMinutes { get; init; }
        public DateTime? AttendedAt { get; init; }
        public DateTime? JoinedAt { get; init; }

        /// <summary>What a report decides (not when it was written).</summary>
        public (bool?, string?, int?) Decision => (Attended, AttendedSource, AttendedMinutes);
    }

    public static async Task<Dictionary<string, Mark>> MarksAsync(this PortalApp app, long eventId) =>
        (await app.QueryAsync<Mark>(
            "SELECT email, attended, attended_source, attended_minutes, attended_at, joined_at FROM registrations " +
            "WHERE event_id = @eventId ORDER BY id", new { eventId }))
        .ToDictionary(m => m.Email);

    public static async Task<ReportSummary?> SummaryAsync(this PortalApp app, long eventId) =>
        ReportSummary.Parse(await app.QueryOneAsync<string?>("SELECT attendance_report FROM events WHERE id = @eventId", new { eventId }));

    /// <summary>The staff's mark in the console, as an organiser clicks it on the registration's page.</summary>
    public static async Task MarkInConsoleAsync(this HttpClient browser, string slug, long id, string attended)
    {
        var page = $"/admin/events/{slug}/registrations/{id}";
        var response = await browser.SubmitAsync(page, page + "/attendance", new Dictionary<string, string> { ["attended"] = attended });
        Assert.Equal(System.Net.HttpStatusCode.SeeOther, response.StatusCode);
    }
}
