using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;
using EventPortal.Web.Attendance;
using EventPortal.Web.Data;
using EventPortal.Web.Mail;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

public enum ActionOutcome { Done, Unchanged, NoSeat }

/// <summary>
/// What an organiser may do to one registration. Each is one transaction that also writes
/// its audit row, so the log can never miss a change nor record one that rolled back. The
/// seat rules are the registrant's own (<see cref="Seats"/>). The audit names the registration
/// by id only: no names or addresses in the log.
/// </summary>
public static class RegistrationActions
{
    /// <summary>Cancels on the registrant's behalf: the seat goes to the oldest waitlisted, the registrant is mailed.</summary>
    public static Task<ActionOutcome> CancelAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await HolderAsync(c, tx, eventId, id, ct) is not { } r || !await Seats.CancelAsync(c, tx, r, now, ct))
                return ActionOutcome.Unchanged;
            await Audit.WriteAsync(c, tx, http, "registration.cancel", Target(id), "by organiser", now, ct);
            return ActionOutcome.Done;
        }, ct);

    /// <summary>Moves a waitlisted registration to confirmed by hand, only when its ticket has a free seat.</summary>
    public static async Task<ActionOutcome> PromoteAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                if (await HolderAsync(c, tx, eventId, id, ct) is not { } r) return ActionOutcome.Unchanged;
                var outcome = await Seats.PromoteAsync(c, tx, r, now, ct);
                if (outcome != SeatOutcome.Done) return outcome == SeatOutcome.NoSeat ? ActionOutcome.NoSeat : ActionOutcome.Unchanged;
                await Audit.WriteAsync(c, tx, http, "registration.promote", Target(id), "by organiser", now, ct);
                return ActionOutcome.Done;
            }, ct);
        }
        catch (DBConcurrencyException)
        {
            return ActionOutcome.Unchanged;
        }
    }

    public static async Task<ActionOutcome> SetAttendanceAsync(Db db, HttpContext http, long eventId, long id, bool? attended, DateTime now,
        CancellationToken ct) =>
        await MarkAttendanceAsync(db, http, eventId, [id], attended, AttendanceSource.Console, now, ct) == 0
            ? ActionOutcome.Unchanged : ActionOutcome.Done;

    /// <summary>
    /// Marks registrations of the event attended, absent or unknown (<paramref name="source"/>: console,
    /// import or api), each with its audit row; returns how many were marked. Ids of other events change nothing.
    /// </summary>
    public static Task<int> MarkAttendanceAsync(Db db, HttpContext http, long eventId, IReadOnlyCollection<long> ids, bool? attended,
        string source, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // One id per statement: Dapper expands "IN @list" on SQLite (the writer's prepared commands lose the
            // parameters when it rewrites the text) and sends an array on PostgreSQL ("id IN $2" does not parse).
            var known = new List<long>();
            foreach (var id in ids.Distinct())
                if (await c.ExecuteScalarAsync<long?>(new CommandDefinition(
                        "SELECT id FROM registrations WHERE event_id = @eventId AND id = @id", new { eventId, id }, tx,
                        cancellationToken: ct)) is { } found)
                    known.Add(found);
            if (known.Count == 0) return 0;
            await AttendanceMarks.MarkAsync(c, tx, eventId, known, attended, source, now, ct);
            var detail = (attended switch { true => "attended", false => "absent", null => "unknown" }) + " by " + source;
            foreach (var id in known)
                await Audit.WriteAsync(c, tx, http, "registration.attendance", Target(id), detail, now, ct);
            return known.Count;
        }, ct);

    /// <summary>
    /// Queues the confirmation again for an active registration. Shares the public "didn't get
    /// the mail?" key and its ten-minute window, so a double click sends one mail.
    /// </summary>
    public static Task<ActionOutcome> ResendAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await HolderAsync(c, tx, eventId, id, ct) is not { } r || r.Status == RegistrationStatus.Cancelled)
                return ActionOutcome.Unchanged;
            var queued = await Registrar.QueueResendAsync(c, tx, eventId, id, now, ct);
            await Audit.WriteAsync(c, tx, http, "registration.resend", Target(id), queued ? "queued" : "already queued", now, ct);
            return ActionOutcome.Done;
        }, ct);

    /// <summary>
    /// Deletes the personal data of one registration (<see cref="Erasure"/>). An active one is
    /// cancelled first, its seat released by the usual rules; no cancellation mail goes out, as
    /// there is no address left to send it to.
    /// </summary>
    public static Task<ActionOutcome> EraseAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await HolderAsync(c, tx, eventId, id, ct) is not { } r) return ActionOutcome.Unchanged;
            var cancelled = await Erasure.EraseAsync(c, tx, r, now, ct);
            await Audit.WriteAsync(c, tx, http, "registration.erase", Target(id),
                cancelled ? "cancelled, personal data deleted" : "personal data deleted", now, ct);
            return ActionOutcome.Done;
        }, ct);

    /// <summary>The registration, only when it belongs to the event the console page is about.</summary>
    static async Task<SeatHolder?> HolderAsync(DbConnection c, DbTransaction tx, long eventId, long id, CancellationToken ct) =>
        await Seats.FindAsync(c, tx, id, ct) is { } r && r.EventId == eventId ? r : null;

    static string Target(long id) => "registration:" + id.ToString(CultureInfo.InvariantCulture);
}
