using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using EventPortal.Web.Webhooks;

namespace EventPortal.Web.Attendance;

/// <summary>Where a registration's attendance mark came from (<c>registrations.attended_source</c>).</summary>
public static class AttendanceSource
{
    /// <summary>The registrant's first <c>/j/</c> redirect inside the door window: they went into the room.</summary>
    public const string Join = "join";
    public const string Zoom = "zoom";
    public const string Teams = "teams";
    /// <summary>Staff, one registration or a selection of the list.</summary>
    public const string Console = "console";
    /// <summary>Staff, from a CSV file.</summary>
    public const string Import = "import";
    public const string Api = "api";

    /// <summary>Marks a provider's report may replace: none, a join, an earlier report. Staff marks stay.</summary>
    public const string ReplaceableByReport = $"(attended_source IS NULL OR attended_source IN ('{Join}', '{Zoom}', '{Teams}'))";
}

/// <summary>
/// Writes attendance marks. Staff marks (console, import, API) win over a provider's report,
/// and a report wins over a join: a click on the join link says someone opened the door, the
/// report says how long they stayed, and staff know best of all. Marking "unknown" clears the
/// source, so a later report may fill it again. Each write is one statement in the caller's transaction, with the
/// <c>registration.attended</c> webhook deliveries of whoever is now attended (once per registration and hook).
/// </summary>
public static class AttendanceMarks
{
    const string Staff = """
        UPDATE registrations SET attended = @attended, attended_source = @source, attended_at = @markedAt, updated_at = @now
        WHERE event_id = @eventId AND id = @id
        """;

    /// <summary>Staff mark one registration of the event; false when the event has no such registration.</summary>
    public static async Task<bool> MarkAsync(DbConnection c, DbTransaction tx, long eventId, long id, bool? attended, string source,
        DateTime now, CancellationToken ct)
    {
        var marked = await c.ExecuteAsync(new CommandDefinition(Staff, new
        {
            eventId, id, attended, now,
            source = attended is null ? null : source,
            markedAt = attended is null ? (DateTime?)null : now,
        }, tx, cancellationToken: ct)) == 1;
        if (marked && attended == true) await WebhookEvents.AttendedAsync(c, tx, eventId, id, now, ct);
        return marked;
    }

    const string Joined = """
        UPDATE registrations SET joined_at = @now,
            attended = CASE WHEN attended_source IS NULL THEN @yes ELSE attended END,
            attended_at = CASE WHEN attended_source IS NULL THEN @now ELSE attended_at END,
            attended_source = COALESCE(attended_source, @source)
        WHERE id = @id AND joined_at IS NULL
        """;

    /// <summary>The first join redirect of a registration: noted, and counted as attended unless someone already said otherwise.</summary>
    public static Task RecordJoinAsync(Db db, long registrationId, DateTime now) =>
        db.WriteAsync(async (c, tx) =>
        {
            var joined = await c.ExecuteAsync(new CommandDefinition(Joined,
                new { id = registrationId, now, yes = true, source = AttendanceSource.Join }, tx)) == 1;
            // Attended unless staff had already said otherwise: only then is it news for the hooks.
            var eventId = joined ? await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT event_id FROM registrations WHERE id = @registrationId AND attended = @yes",
                new { registrationId, yes = true }, tx)) : 0;
            if (eventId > 0) await WebhookEvents.AttendedAsync(c, tx, eventId, registrationId, now, CancellationToken.None);
            return 0;
        }, CancellationToken.None);

    const string ReportAbsent = $"""
        UPDATE registrations SET attended = @no, attended_minutes = 0, attended_source = @source, attended_at = @now
        WHERE event_id = @eventId AND status = '{RegistrationStatus.Confirmed}' AND joined_at IS NULL
          AND ticket_type_id IN (SELECT id FROM ticket_types WHERE event_id = @eventId AND kind = 'live')
          AND {AttendanceSource.ReplaceableByReport}
        """;

    const string ReportPresent = $"""
        UPDATE registrations SET attended_minutes = @minutes,
            attended = CASE WHEN {AttendanceSource.ReplaceableByReport} THEN @attended ELSE attended END,
            attended_at = CASE WHEN {AttendanceSource.ReplaceableByReport} THEN @now ELSE attended_at END,
            attended_source = CASE WHEN {AttendanceSource.ReplaceableByReport} THEN @source ELSE attended_source END
        WHERE id = @id AND event_id = @eventId
        """;

    /// <summary>
    /// A provider's report: each matched registration gets its minutes, and is attended at
    /// <paramref name="threshold"/> minutes or more; confirmed live registrants neither in the
    /// report nor through the join link are absent. Staff marks keep their value (the minutes are still noted).
    /// </summary>
    public static async Task ApplyReportAsync(DbConnection c, DbTransaction tx, long eventId, string source,
        IReadOnlyDictionary<long, int> minutes, int threshold, DateTime now)
    {
        await c.ExecuteAsync(new CommandDefinition(ReportAbsent, new { eventId, source, now, no = false }, tx));
        if (minutes.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(ReportPresent, minutes.Select(m => new
            {
                eventId, id = m.Key, minutes = m.Value, attended = m.Value >= threshold, source, now,
            }), tx));
        await WebhookEvents.AttendedAsync(c, tx, eventId, null, now, CancellationToken.None);
    }
}
