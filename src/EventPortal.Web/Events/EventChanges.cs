using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Mail;

namespace EventPortal.Web.Events;

/// <summary>
/// Changes to a published event that registrants must hear about. Every one raises the
/// calendar SEQUENCE, so the invites sent next replace the ones already in calendars (same
/// UID, higher SEQUENCE), and queues one update mail per active registration in the same
/// transaction. The organiser console calls these; so do tests.
/// </summary>
public static class EventChanges
{
    public static Task<int> RescheduleAsync(Db db, long eventId, DateTime startsAt, DateTime endsAt, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (connection, tx) =>
        {
            var sequence = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
                UPDATE events SET starts_at = @startsAt, ends_at = @endsAt, sequence = sequence + 1, updated_at = @now
                WHERE id = @eventId
                RETURNING sequence
                """, new { eventId, startsAt, endsAt, now }, tx, cancellationToken: ct));
            var active = await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT id FROM registrations WHERE event_id = @eventId AND status <> 'cancelled'", new { eventId }, tx, cancellationToken: ct));
            foreach (var registration in active)
                await Outbox.EnqueueAsync(connection, tx, Outbox.Kinds.EventUpdated, $"update:{registration}:{sequence}", eventId, registration, now, ct);
            return sequence;
        }, ct);
}
