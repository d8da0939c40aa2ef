using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Meetings;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Attendance;

/// <summary>
/// Works the <c>attendance.report</c> outbox rows: after a Zoom or Teams event has ended, reads the
/// provider's attendance report, matches it with the confirmed live registrations
/// (<see cref="ReportedPresence"/>) and marks them (<see cref="AttendanceMarks.ApplyReportAsync"/>),
/// keeping what the report found on the event (<c>attendance_report</c>). The report appears
/// minutes after the meeting ends: until then the row is retried every few minutes, and given up
/// <see cref="GiveUpAfter"/> after the end. Reading a report twice gives the same marks.
/// </summary>
public sealed class AttendanceReports(Db db, MeetingRecord record, IOptions<MeetingOptions> options, ZoomClient zoom,
    TeamsAttendance teams, TimeProvider clock) : IOutboxHandler
{
    public const string Kind = "attendance.report";
    /// <summary>How long after the end the first look is due.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan NotReadyRetry = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(48);

    public string KindPrefix => "attendance.";

    /// <summary>
    /// Plans the import for the event's end (<paramref name="endsAt"/>; one row per end time, so a
    /// reschedule plans a new one and the old one skips itself), or, with <paramref name="now"/> as
    /// <paramref name="tag"/>, at once (the console's "import now").
    /// </summary>
    public static Task<bool> QueueAsync(DbConnection c, DbTransaction tx, long eventId, DateTime endsAt, DateTime now, CancellationToken ct,
        bool atOnce = false)
    {
        var due = atOnce ? now : DateTime.SpecifyKind(endsAt, DateTimeKind.Utc) + Delay;
        var key = atOnce ? $"attendance:{eventId}:now:{now.Ticks}" : $"attendance:{eventId}:{endsAt.Ticks}";
        return OutboxRows.EnqueueAsync(c, tx, Kind, key, eventId, null, now, ct, dueAt: due < now ? now : due);
    }

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        if (row.EventId is not { } eventId) throw new OutboxException($"Outbox row {row.Id} ({row.Kind}) has no event.", permanent: true);
        var ev = await record.LoadAsync(eventId, ct);
        if (ev is null || ev.Status == EventStatus.Cancelled || ev.MeetingExternalId is null
            || !Enum.TryParse<MeetingProvider>(ev.MeetingProvider, out var provider) || provider == MeetingProvider.Manual)
            return OutboxResult.Skipped;
        var now = clock.GetUtcNow().UtcDateTime;
        // The event moved later: the row planned for its new end does the import.
        if (now < ev.EndsAt) return OutboxResult.Skipped;
        if (!(provider == MeetingProvider.Zoom ? options.Value.Zoom.Configured : options.Value.Teams.Configured))
            throw new OutboxException($"{provider} is not configured ({MeetingOptions.Section}:{provider}).", permanent: true);
        IReadOnlyList<ReportedStay>? stays;
        try
        {
            stays = provider == MeetingProvider.Zoom ? await ZoomStaysAsync(ev, ct) : await teams.StaysAsync(ev, ct);
        }
        catch (Exception e) when (MeetingFailure.From(e, provider, ct) is { } failure)
        {
            throw failure.ToOutbox("Attendance report: " + failure.Message, MeetingClaim.MaxRetryAfter);
        }
        if (stays is null)
        {
            var late = now > ev.EndsAt + GiveUpAfter;
            throw new OutboxException(late
                ? $"{provider} has no attendance report {GiveUpAfter.TotalHours:0} hours after the end; import a CSV or mark by hand."
                : $"{provider} has no attendance report yet; it appears some minutes after the meeting ends.", permanent: late)
            {
                RetryAfter = NotReadyRetry,
            };
        }
        var source = provider == MeetingProvider.Zoom ? AttendanceSource.Zoom : AttendanceSource.Teams;
        await db.WriteAsync((c, tx) => SaveAsync(c, tx, eventId, source, stays, now), CancellationToken.None);
        return OutboxResult.Done;
    }

    async Task<IReadOnlyList<ReportedStay>?> ZoomStaysAsync(MeetingEvent ev, CancellationToken ct)
    {
        if (ev.ZoomMeetingId is not { } id) return null;
        var participants = await zoom.ParticipantsReportAsync(id, ct);
        // Time in the waiting room is not time in the meeting.
        return participants?.Where(p => p.Status != ZoomParticipant.InWaitingRoom)
            .Select(p => new ReportedStay(p.RegistrantId, p.UserEmail, p.JoinTime, p.LeaveTime, p.Duration)).ToList();
    }

    const string Expected = $"""
        SELECT r.id AS Id, r.email AS Email, r.provider_registrant_id AS ProviderRegistrantId
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
        WHERE r.event_id = @eventId AND r.status = '{RegistrationStatus.Confirmed}' AND t.kind = 'live'
        """;

    const string Summary = """
        UPDATE events SET attendance_report_at = @now, attendance_report = @summary WHERE id = @eventId
        """;

    static async Task<int> SaveAsync(DbConnection c, DbTransaction tx, long eventId, string source, IReadOnlyList<ReportedStay> stays,
        DateTime now)
    {
        var expected = await c.QueryAsync<ExpectedAttendee>(new CommandDefinition(Expected, new { eventId }, tx));
        var threshold = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT attendance_minutes FROM events WHERE id = @eventId", new { eventId }, tx));
        var match = ReportedPresence.Match(stays, expected);
        await AttendanceMarks.ApplyReportAsync(c, tx, eventId, source, match.Minutes, threshold, now);
        var summary = JsonSerializer.Serialize(new ReportSummary(source, match.Participants, match.Minutes.Count, match.Unmatched,
            match.Minutes.Count(m => m.Value >= threshold), threshold));
        return await c.ExecuteAsync(new CommandDefinition(Summary, new { eventId, now, summary }, tx));
    }
}

/// <summary>What the last report import found, as the console shows it (<c>events.attendance_report</c>).</summary>
public sealed record ReportSummary(string Source, int Participants, int Matched, int Unmatched, int Attended, int Threshold)
{
    public static ReportSummary? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try { return JsonSerializer.Deserialize<ReportSummary>(json); }
        catch (JsonException) { return null; }
    }
}
