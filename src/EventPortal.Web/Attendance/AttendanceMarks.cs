using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;

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
/// source, so a later report may fill it again. Each write is one statement in the caller's transaction.
/// </summary>
public static class AttendanceMarks
{
    const string Staff = """
        UPDATE registrations SET attended = @attended, attended_source = @source, attended_at = @markedAt, updated_at = @now
        WHERE event_id = @eventId AND id = @id
        """;

    /// <summary>Staff mark <paramref name="ids"/> of the event; returns how many rows there were.</summary>
    public static Task<int> MarkAsync(DbConnection c, DbTransaction tx, long eventId, IReadOnlyCollection<long> ids, bool? attended,
        string source, DateTime now, CancellationToken ct) =>
        // One statement per id, run for each (no "IN @list": Dapper sends an array to PostgreSQL, where that does not parse).
        c.ExecuteAsync(new CommandDefinition(Staff, ids.Distinct().Select(id => new
        {
            eventId, id, attended, now,
            source = attended is null ? null : source,
            markedAt = attended is null ? (DateTime?)null : now,
        }), tx, cancellationToken: ct));

    const string Joined = """
        UPDATE registrations SET joined_at = @now,
            attended = CASE WHEN attended_source IS NULL THEN @yes ELSE attended END,
            attended_at = CASE WHEN attended_source IS NULL THEN @now ELSE attended_at END,
            attended_source = COALESCE(attended_source, @source)
        WHERE id = @id AND joined_at IS NULL
        """;

    /// <summary>The first join redirect of a registration: noted, and counted as attended unless someone already said otherwise.</summary>
    public static Task RecordJoinAsync(Db db, long registrationId, DateTime now) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(Joined,
            new { id = registrationId, now, yes = true, source = AttendanceSource.Join }, tx)), CancellationToken.None);

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
    }
}
