using System.Data.Common;
using Dapper;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>
/// Queues the provider call a change of an event owes (Teams or Zoom only; a Manual event has
/// nothing to sync), as an outbox row in the caller's transaction: the change and the call
/// commit or fail together. The handler reads the event as it is when the row runs, so an
/// update queued twice, or after a newer one, still leaves the meeting matching the event.
/// </summary>
public static class MeetingSync
{
    public const string KindPrefix = "meeting.";
    public const string Create = "create", Update = "update", Delete = "delete", Registrant = "registrant", Unregister = "unregister";

    public static Task QueueAsync(DbConnection c, DbTransaction tx, long eventId, string action, int sequence, DateTime now,
        CancellationToken ct) =>
        QueueAsync(c, tx, eventId, action, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), now, ct);

    /// <param name="version">Tells this change from earlier ones of the same kind (the SEQUENCE, or a time).</param>
    public static async Task QueueAsync(DbConnection c, DbTransaction tx, long eventId, string action, string version, DateTime now,
        CancellationToken ct)
    {
        if (action is not (Create or Update or Delete))
            throw new ArgumentOutOfRangeException(nameof(action), action, "create, update or delete");
        var ev = await c.QuerySingleOrDefaultAsync<(string? Provider, DateTime EndsAt)>(new CommandDefinition(
            "SELECT meeting_provider, ends_at FROM events WHERE id = @eventId", new { eventId }, tx, cancellationToken: ct));
        if (ev.Provider is not (nameof(MeetingProvider.Teams) or nameof(MeetingProvider.Zoom))) return;
        if (!await OutboxRows.EnqueueAsync(c, tx, KindPrefix + action, $"meeting:{eventId}:{action}:{version}", eventId, null, now, ct))
            return;
        // Who came is read from the provider's report after the end (Attendance/AttendanceReports.cs).
        if (action != Delete) await Attendance.AttendanceReports.QueueAsync(c, tx, eventId, ev.EndsAt, now, ct);
        if (action == Create)
            await c.ExecuteAsync(new CommandDefinition(
                // A create another instance is working on keeps its claim.
                $"UPDATE events SET meeting_state = '{MeetingState.Pending}', meeting_error = NULL " +
                $"WHERE id = @eventId AND meeting_external_id IS NULL AND COALESCE(meeting_state, '') <> '{MeetingState.Creating}'",
                new { eventId }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// A registrant's own Zoom join link (only for Zoom events with RegistrantLinks on; the handler
    /// checks). <paramref name="version"/> tells a later sign-up (after a switch back to live) from the first.
    /// </summary>
    public static Task QueueRegistrantAsync(DbConnection c, DbTransaction tx, long eventId, long registrationId, DateTime now,
        CancellationToken ct, string? version = null) =>
        OutboxRows.EnqueueAsync(c, tx, KindPrefix + Registrant,
            $"meeting:{eventId}:registrant:{registrationId}{(version is null ? "" : ":" + version)}",
            eventId, registrationId, now, ct);

    /// <summary>
    /// The registration no longer holds a live seat (cancelled, erased, moved to the recording
    /// ticket): if it has a Zoom registrant, cancel that at Zoom so its own join link stops working.
    /// </summary>
    public static async Task QueueUnregisterAsync(DbConnection c, DbTransaction tx, long registrationId, DateTime now, CancellationToken ct)
    {
        var eventId = await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT event_id FROM registrations WHERE id = @registrationId AND provider_registrant_id IS NOT NULL",
            new { registrationId }, tx, cancellationToken: ct));
        if (eventId is { } id)
            await OutboxRows.EnqueueAsync(c, tx, KindPrefix + Unregister, $"meeting:{id}:unregister:{registrationId}:{now.Ticks}",
                id, registrationId, now, ct);
    }
}
