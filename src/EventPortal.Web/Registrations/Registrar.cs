using System.Data;
using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Meetings;
using EventPortal.Web.Outbox;
using EventPortal.Web.Reminders;

namespace EventPortal.Web.Registrations;

public enum RegisterOutcome { Confirmed, Waitlisted, AlreadyRegistered, SoldOut, NotOnSale }

public sealed record RegisterResult(RegisterOutcome Outcome, long RegistrationId = 0, string Status = "", string? ManageToken = null);

/// <summary>
/// Taking a seat, registering, and everything that frees a seat. Each method is one
/// transaction: the seat, the registration and the outbox row commit together. The seat is
/// taken by one conditional UPDATE; on PostgreSQL its row lock is what serialises any
/// number of app instances, on SQLite the single writer does.
/// </summary>
public sealed class Registrar(Db db, Tokens tokens, TimeProvider clock)
{
    const string FindActive = """
        SELECT id, status FROM registrations
        WHERE event_id = @EventId AND email_normalized = @EmailNormalized AND status <> 'cancelled'
        """;

    const string TakeSeat = """
        UPDATE ticket_types SET taken = taken + 1
        WHERE id = @id AND (capacity IS NULL OR taken < capacity)
        """;

    const string InsertRegistration = """
        INSERT INTO registrations (event_id, ticket_type_id, status, family_name, given_name, reading, email,
            email_normalized, organization, category_code, accessibility, questions, answers, language,
            token_seed, manage_token_hash, join_token_hash, watch_token_hash, consent_at, created_at, updated_at)
        VALUES (@EventId, @TicketTypeId, @Status, @FamilyName, @GivenName, @Reading, @Email,
            @EmailNormalized, @Organization, @Category, @Accessibility, @Questions, @Answers, @Language,
            @Seed, @ManageHash, @JoinHash, @WatchHash, @Now, @Now, @Now)
        RETURNING id
        """;

    public async Task<RegisterResult> RegisterAsync(EventRecord e, ValidRegistration r, string language, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!r.Ticket.IsOnSale(now, e)) return new(RegisterOutcome.NotOnSale);
        var seed = Tokens.NewSeed();
        var manageToken = tokens.Manage(seed);
        // Most registrations are first registrations, so the first attempt goes straight for
        // the seat. A repeat (a second click, a second tab, a forgotten earlier registration)
        // trips the unique index on (event, normalised e-mail); everything is rolled back and
        // the second attempt looks the existing registration up instead.
        RegisterResult result;
        try
        {
            result = await db.WriteAsync((connection, tx) => RegisterInTransactionAsync(connection, tx, e, r, language, seed, manageToken, now, lookFirst: false, ct), ct);
        }
        catch (Exception ex) when (Db.IsUniqueViolation(ex))
        {
            result = await db.WriteAsync((connection, tx) => RegisterInTransactionAsync(connection, tx, e, r, language, seed, manageToken, now, lookFirst: true, ct), ct);
        }
        return result;
    }

    async Task<RegisterResult> RegisterInTransactionAsync(DbConnection connection, DbTransaction tx, EventRecord e,
        ValidRegistration r, string language, string seed, string manageToken, DateTime now, bool lookFirst, CancellationToken ct)
    {
        var found = lookFirst
            ? await connection.QuerySingleOrDefaultAsync<RegistrationState>(new CommandDefinition(
                FindActive, new { EventId = e.Id, r.EmailNormalized }, tx, cancellationToken: ct))
            : null;
        if (found is not null)
        {
            // Re-send the confirmation instead of creating a duplicate.
            await QueueResendAsync(connection, tx, e.Id, found.Id, now, ct);
            return new(RegisterOutcome.AlreadyRegistered, found.Id, found.Status);
        }

        var seated = await connection.ExecuteAsync(new CommandDefinition(TakeSeat, new { id = r.Ticket.Id }, tx, cancellationToken: ct)) == 1;
        if (!seated && !r.Ticket.Waitlist) return new(RegisterOutcome.SoldOut);
        var status = seated ? "confirmed" : "waitlisted";

        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertRegistration, new
        {
            EventId = e.Id, TicketTypeId = r.Ticket.Id, Status = status, r.FamilyName, r.GivenName, r.Reading, r.Email,
            r.EmailNormalized, r.Organization, r.Category, r.Accessibility, r.Questions,
            Answers = JsonSerializer.Serialize(r.Answers), Language = language, Seed = seed,
            ManageHash = Tokens.Hash(manageToken), JoinHash = Tokens.Hash(tokens.Join(seed)), WatchHash = Tokens.Hash(tokens.Watch(seed)), Now = now,
        }, tx, cancellationToken: ct));
        await OutboxRows.EnqueueAsync(connection, tx, seated ? OutboxRows.Kinds.Confirmed : OutboxRows.Kinds.Waitlisted,
            $"{(seated ? "confirm" : "waitlisted")}:{id}", e.Id, id, now, ct);
        // Waitlisted registrations get their reminders planned too: sent only if promoted by then.
        await ReminderRules.PlanForRegistrationAsync(connection, tx, e, id, r.Ticket.Kind, now, ct);
        if (seated && r.Ticket.IsLive && e.MeetingProvider == "Zoom")
            await QueueZoomRegistrantAsync(connection, tx, e.Id, id, now, ct);
        return new(seated ? RegisterOutcome.Confirmed : RegisterOutcome.Waitlisted, id, status, manageToken);
    }

    /// <summary>
    /// "Didn't get the mail?": queues the confirmation again when the address has an active
    /// registration for the event. Returns nothing either way, so the caller cannot tell
    /// (and so cannot tell anyone) whether the address is registered.
    /// </summary>
    public async Task ResendAsync(long eventId, string emailNormalized, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (connection, tx) =>
        {
            var found = await connection.QuerySingleOrDefaultAsync<RegistrationState>(new CommandDefinition(
                FindActive, new { EventId = eventId, EmailNormalized = emailNormalized }, tx, cancellationToken: ct));
            if (found is not null) await QueueResendAsync(connection, tx, eventId, found.Id, now, ct);
            return 0;
        }, ct);
    }

    /// <summary>At most one re-sent confirmation per registration every ten minutes: the dedupe key carries the window.</summary>
    static Task QueueResendAsync(DbConnection connection, DbTransaction tx, long eventId, long registrationId, DateTime now, CancellationToken ct) =>
        OutboxRows.EnqueueAsync(connection, tx, OutboxRows.Kinds.Resent, $"resend:{registrationId}:{now:yyyyMMddHH}{now.Minute / 10}", eventId, registrationId, now, ct);

    public enum ChangeOutcome { Done, Unchanged, SoldOut, NotOnSale }

    /// <summary>Cancels a registration; a confirmed one gives its seat to the waitlist.</summary>
    public async Task<ChangeOutcome> CancelAsync(long registrationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var outcome = await db.WriteAsync(async (connection, tx) =>
        {
            var r = await StateAsync(connection, tx, registrationId, ct);
            if (r is null || r.Status == "cancelled") return ChangeOutcome.Unchanged;
            // The status in the WHERE clause makes a concurrent second cancel change nothing.
            var changed = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE registrations SET status = 'cancelled', cancelled_at = @now, updated_at = @now
                WHERE id = @Id AND status = @Status
                """, new { r.Id, r.Status, now }, tx, cancellationToken: ct));
            if (changed == 0) return ChangeOutcome.Unchanged;
            if (r.Status == "confirmed") await ReleaseSeatAsync(connection, tx, r.EventId, r.TicketTypeId, now, ct);
            await ReminderRules.DropForRegistrationAsync(connection, tx, r.Id, ct);
            await MeetingSync.QueueUnregisterAsync(connection, tx, r.Id, now, ct);
            await OutboxRows.EnqueueAsync(connection, tx, OutboxRows.Kinds.Cancelled, $"cancel:{r.Id}", r.EventId, r.Id, now, ct);
            return ChangeOutcome.Done;
        }, ct);
        return outcome;
    }

    /// <summary>
    /// Moves a registration to another ticket type of its event (live ↔ recording). The new
    /// ticket must have a seat: a switch never lands on a waitlist. A confirmed registration
    /// gives its old seat to the old ticket's waitlist.
    /// </summary>
    public async Task<ChangeOutcome> SwitchTicketAsync(long registrationId, TicketTypeRecord target, EventRecord e, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!target.IsOnSale(now, e)) return ChangeOutcome.NotOnSale;
        try
        {
            return await SwitchInTransactionAsync(registrationId, target, now, ct);
        }
        catch (DBConcurrencyException)
        {
            // Cancelled or switched by a concurrent request: everything here was rolled back.
            return ChangeOutcome.Unchanged;
        }
    }

    Task<ChangeOutcome> SwitchInTransactionAsync(long registrationId, TicketTypeRecord target, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (connection, tx) =>
        {
            var r = await StateAsync(connection, tx, registrationId, ct);
            if (r is null || r.Status == "cancelled" || r.EventId != target.EventId || r.TicketTypeId == target.Id) return ChangeOutcome.Unchanged;
            if (await connection.ExecuteAsync(new CommandDefinition(TakeSeat, new { id = target.Id }, tx, cancellationToken: ct)) == 0)
                return ChangeOutcome.SoldOut;
            var changed = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE registrations SET ticket_type_id = @target, status = 'confirmed', invite_revision = invite_revision + 1, updated_at = @now
                WHERE id = @Id AND status = @Status AND ticket_type_id = @TicketTypeId
                """, new { target = target.Id, r.Id, r.Status, r.TicketTypeId, now }, tx, cancellationToken: ct));
            if (changed == 0) throw new DBConcurrencyException("The registration changed while switching; the transaction is rolled back.");
            if (r.Status == "confirmed") await ReleaseSeatAsync(connection, tx, r.EventId, r.TicketTypeId, now, ct);
            await OutboxRows.EnqueueAsync(connection, tx, OutboxRows.Kinds.Switched, $"switch:{r.Id}:{target.Id}:{now.Ticks}", r.EventId, r.Id, now, ct);
            // The new ticket may be owed reminders the old one was not (live ↔ recording).
            await ReminderRules.PlanAsync(connection, tx, r.EventId, r.Id, now, ct);
            // A Zoom registrant link belongs to a live seat: made for one, withdrawn from the other.
            if (target.IsLive) await QueueZoomRegistrantAsync(connection, tx, r.EventId, r.Id, now, ct, version: now.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            else await MeetingSync.QueueUnregisterAsync(connection, tx, r.Id, now, ct);
            return ChangeOutcome.Done;
        }, ct);

    static Task<RegistrationState?> StateAsync(DbConnection connection, DbTransaction tx, long id, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<RegistrationState>(new CommandDefinition(
            "SELECT id, event_id, ticket_type_id, status FROM registrations WHERE id = @id", new { id }, tx, cancellationToken: ct));

    /// <summary>
    /// A Zoom event with per-registrant links gives each new seat its own join link — once the
    /// meeting exists; registrations from before that are signed up when the meeting is made.
    /// </summary>
    public static async Task QueueZoomRegistrantAsync(DbConnection connection, DbTransaction tx, long eventId, long registrationId, DateTime now, CancellationToken ct, string? version = null)
    {
        var zoomMeetingExists = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM events WHERE id = @eventId AND meeting_provider = 'Zoom' AND meeting_external_id IS NOT NULL",
            new { eventId }, tx, cancellationToken: ct)) == 1;
        if (zoomMeetingExists) await MeetingSync.QueueRegistrantAsync(connection, tx, eventId, registrationId, now, ct, version);
    }

    sealed class RegistrationState
    {
        public long Id { get; init; }
        public long EventId { get; init; }
        public long TicketTypeId { get; init; }
        public string Status { get; init; } = "";
    }

    /// <summary>
    /// Gives the seat back (when the registration held one) and hands it to the oldest
    /// waitlisted registration of the same ticket type, in the caller's transaction. The
    /// first UPDATE locks the ticket-type row, so on PostgreSQL every later statement sees
    /// what concurrent cancellations committed before us.
    /// </summary>
    public static async Task ReleaseSeatAsync(DbConnection connection, DbTransaction tx, long eventId, long ticketTypeId, DateTime now, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ticket_types SET taken = taken - 1 WHERE id = @ticketTypeId AND taken > 0", new { ticketTypeId }, tx, cancellationToken: ct));
        var next = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition("""
            SELECT id FROM registrations
            WHERE ticket_type_id = @ticketTypeId AND status = 'waitlisted'
            ORDER BY created_at, id LIMIT 1
            """, new { ticketTypeId }, tx, cancellationToken: ct));
        if (next is not { } promoted) return;
        if (await connection.ExecuteAsync(new CommandDefinition(TakeSeat, new { id = ticketTypeId }, tx, cancellationToken: ct)) == 0) return;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE registrations SET status = 'confirmed', promoted_at = @now, updated_at = @now WHERE id = @promoted",
            new { promoted, now }, tx, cancellationToken: ct));
        await OutboxRows.EnqueueAsync(connection, tx, OutboxRows.Kinds.Promoted, $"promoted:{promoted}", eventId, promoted, now, ct);
        await QueueZoomRegistrantAsync(connection, tx, eventId, promoted, now, ct);
    }
}
