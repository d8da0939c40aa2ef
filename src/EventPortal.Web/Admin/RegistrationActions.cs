using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

public enum ActionOutcome { Done, Unchanged, NoSeat }

/// <summary>
/// What an organiser may do to one registration. Each is one transaction that also writes
/// its audit row, so the log can never miss a change nor record one that rolled back. The
/// audit names the registration by id only: no names or addresses in the log.
/// </summary>
public static class RegistrationActions
{
    /// <summary>Erased registrations keep a unique, undeliverable address (RFC 2606 <c>.invalid</c>).</summary>
    public const string ErasedDomain = "deleted.invalid";

    public static bool IsErased(string email) => email.EndsWith("@" + ErasedDomain, StringComparison.Ordinal);

    const string State = "SELECT id, event_id, ticket_type_id, status FROM registrations WHERE id = @id AND event_id = @eventId";

    const string MarkCancelled = """
        UPDATE registrations SET status = 'cancelled', cancelled_at = @now, updated_at = @now
        WHERE id = @Id AND status = @Status
        """;

    const string TakeSeat = """
        UPDATE ticket_types SET taken = taken + 1
        WHERE id = @id AND (capacity IS NULL OR taken < capacity)
        """;

    const string MarkPromoted = """
        UPDATE registrations SET status = 'confirmed', promoted_at = @now, updated_at = @now
        WHERE id = @id AND status = 'waitlisted' AND ticket_type_id = @ticketTypeId
        """;

    const string MarkAttendance = "UPDATE registrations SET attended = @attended, updated_at = @now WHERE id = @id AND event_id = @eventId";

    // Keeps ticket, status, category and times, so every count stays right. The token
    // hashes become hashes of random values nobody holds: the personal, join and recording
    // links stop working (a NULL join hash would be re-derived from the seed at start-up).
    const string Erase = """
        UPDATE registrations SET family_name = @placeholder, given_name = '', reading = '', email = @email,
            email_normalized = @email, organization = '', accessibility = '', questions = '', answers = '{}',
            token_seed = @seed, manage_token_hash = @manage, join_token_hash = @join, watch_token_hash = @watch,
            provider_join_url = NULL, updated_at = @now
        WHERE id = @id
        """;

    // Mail not yet sent would now go to the placeholder address: skip it instead. Meeting rows
    // stay: withdrawing the person's Zoom registrant is part of the deletion.
    const string SkipPendingMail = $"""
        UPDATE outbox SET status = '{OutboxStatus.Skipped}', last_error = 'personal data deleted', sent_at = @now
        WHERE registration_id = @id AND status IN ({OutboxStatus.Waiting}) AND kind NOT LIKE 'meeting.%'
        """;

    public const string ErasedName = "(deleted)";

    /// <summary>Cancels on the registrant's behalf: the seat goes to the oldest waitlisted, the registrant is mailed.</summary>
    public static Task<ActionOutcome> CancelAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (!await CancelInTransactionAsync(c, tx, eventId, id, now, ct)) return ActionOutcome.Unchanged;
            await OutboxRows.EnqueueAsync(c, tx, OutboxRows.Kinds.Cancelled, $"cancel:{id}", eventId, id, now, ct);
            await Audit.WriteAsync(c, tx, http, "registration.cancel", Target(id), "by organiser", now, ct);
            return ActionOutcome.Done;
        }, ct);

    /// <summary>The same rules as <see cref="Registrar.CancelAsync"/>, inside the caller's transaction.</summary>
    static async Task<bool> CancelInTransactionAsync(DbConnection c, DbTransaction tx, long eventId, long id, DateTime now, CancellationToken ct)
    {
        var r = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(State, new { id, eventId }, tx, cancellationToken: ct));
        if (r is null || r.Status == "cancelled") return false;
        // The status in the WHERE clause makes a concurrent second cancel change nothing.
        if (await c.ExecuteAsync(new CommandDefinition(MarkCancelled, new { r.Id, r.Status, now }, tx, cancellationToken: ct)) == 0) return false;
        if (r.Status == "confirmed") await Registrar.ReleaseSeatAsync(c, tx, r.EventId, r.TicketTypeId, now, ct);
        await Meetings.MeetingSync.QueueUnregisterAsync(c, tx, r.Id, now, ct);
        return true;
    }

    /// <summary>Moves a waitlisted registration to confirmed by hand, only when its ticket has a free seat.</summary>
    public static async Task<ActionOutcome> PromoteAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                var r = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(State, new { id, eventId }, tx, cancellationToken: ct));
                if (r is null || r.Status != "waitlisted") return ActionOutcome.Unchanged;
                if (await c.ExecuteAsync(new CommandDefinition(TakeSeat, new { id = r.TicketTypeId }, tx, cancellationToken: ct)) == 0)
                    return ActionOutcome.NoSeat;
                if (await c.ExecuteAsync(new CommandDefinition(MarkPromoted, new { id, ticketTypeId = r.TicketTypeId, now }, tx, cancellationToken: ct)) == 0)
                    throw new DBConcurrencyException("The registration changed while promoting; the seat is given back by the rollback.");
                await OutboxRows.EnqueueAsync(c, tx, OutboxRows.Kinds.Promoted, $"promoted:{id}", eventId, id, now, ct);
                await Registrar.QueueZoomRegistrantAsync(c, tx, eventId, id, now, ct);
                await Audit.WriteAsync(c, tx, http, "registration.promote", Target(id), "by organiser", now, ct);
                return ActionOutcome.Done;
            }, ct);
        }
        catch (DBConcurrencyException)
        {
            return ActionOutcome.Unchanged;
        }
    }

    public static Task<ActionOutcome> SetAttendanceAsync(Db db, HttpContext http, long eventId, long id, bool? attended, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(new CommandDefinition(MarkAttendance, new { id, eventId, attended, now }, tx, cancellationToken: ct)) == 0)
                return ActionOutcome.Unchanged;
            var detail = attended switch { true => "attended", false => "absent", null => "unknown" };
            await Audit.WriteAsync(c, tx, http, "registration.attendance", Target(id), detail, now, ct);
            return ActionOutcome.Done;
        }, ct);

    /// <summary>
    /// Queues the confirmation again for an active registration. Shares the public "didn't get
    /// the mail?" key and its ten-minute window, so a double click sends one mail.
    /// </summary>
    public static Task<ActionOutcome> ResendAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var r = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(State, new { id, eventId }, tx, cancellationToken: ct));
            if (r is null || r.Status == "cancelled") return ActionOutcome.Unchanged;
            var queued = await OutboxRows.EnqueueAsync(c, tx, OutboxRows.Kinds.Resent,
                $"resend:{id}:{now.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}{now.Minute / 10}", eventId, id, now, ct);
            await Audit.WriteAsync(c, tx, http, "registration.resend", Target(id), queued ? "queued" : "already queued", now, ct);
            return ActionOutcome.Done;
        }, ct);

    /// <summary>
    /// Deletes the personal data of one registration (APPI: on request, or when no longer
    /// needed). An active one is cancelled first, its seat released by the usual rules; no
    /// cancellation mail goes out, as there is no address left to send it to.
    /// </summary>
    public static Task<ActionOutcome> EraseAsync(Db db, HttpContext http, long eventId, long id, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var r = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(State, new { id, eventId }, tx, cancellationToken: ct));
            if (r is null) return ActionOutcome.Unchanged;
            var cancelled = await CancelInTransactionAsync(c, tx, eventId, id, now, ct);
            await c.ExecuteAsync(new CommandDefinition(Erase, new
            {
                id, now, placeholder = ErasedName, email = $"deleted-{id}@{ErasedDomain}", seed = Tokens.NewSeed(),
                manage = Tokens.Hash(Tokens.NewSeed()), join = Tokens.Hash(Tokens.NewSeed()), watch = Tokens.Hash(Tokens.NewSeed()),
            }, tx, cancellationToken: ct));
            await c.ExecuteAsync(new CommandDefinition(SkipPendingMail, new { id, now }, tx, cancellationToken: ct));
            // A failed mail's error may quote the address.
            await c.ExecuteAsync(new CommandDefinition(
                $"UPDATE outbox SET last_error = 'personal data deleted' WHERE registration_id = @id AND status = '{OutboxStatus.Failed}'",
                new { id }, tx, cancellationToken: ct));
            await Audit.WriteAsync(c, tx, http, "registration.erase", Target(id), cancelled ? "cancelled, personal data deleted" : "personal data deleted", now, ct);
            return ActionOutcome.Done;
        }, ct);

    static string Target(long id) => "registration:" + id.ToString(CultureInfo.InvariantCulture);

    sealed class Row
    {
        public long Id { get; init; }
        public long EventId { get; init; }
        public long TicketTypeId { get; init; }
        public string Status { get; init; } = "";
    }
}
