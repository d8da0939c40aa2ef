using System.Data.Common;
using Dapper;
using EventPortal.Web.Events;
using static EventPortal.Web.Registrations.RegistrationStatus;

namespace EventPortal.Web.Registrations;

/// <summary>A registration as the seat rules see it: where it sits, and what its event meets on.</summary>
public sealed class SeatHolder
{
    public long Id { get; init; }
    public long EventId { get; init; }
    public long TicketTypeId { get; init; }
    public string Status { get; init; } = "";
    public string TicketKind { get; init; } = Events.TicketKind.Live;
    public string MeetingProvider { get; init; } = "";
    /// <summary>When the owner proved the address by the mailed link; null: not yet (pending, or waitlisted unconfirmed).</summary>
    public DateTime? AddressConfirmedAt { get; init; }
    public bool IsLive => TicketKind == Events.TicketKind.Live;
    public bool AddressConfirmed => AddressConfirmedAt is not null;
    public SeatHolder With(string status, long? ticketTypeId = null, string? ticketKind = null, DateTime? addressConfirmedAt = null) =>
        new()
    {
        Id = Id, EventId = EventId, TicketTypeId = ticketTypeId ?? TicketTypeId, Status = status,
        TicketKind = ticketKind ?? TicketKind, MeetingProvider = MeetingProvider,
        AddressConfirmedAt = addressConfirmedAt ?? AddressConfirmedAt,
    };
}

public enum SeatOutcome { Done, Unchanged, NoSeat }

/// <summary>
/// The seat rules, and the only code that changes a registration's status or a ticket's seat
/// count: take a seat, give it back, promote the oldest waitlisted, cancel, switch ticket,
/// erase, and (Seats.Holds.cs) confirm an address or release a lapsed hold. Every method works
/// inside the caller's transaction, so the change, its audit row and what it owes (<see cref="Owed"/>)
/// commit or roll back together. A seat is taken by one conditional UPDATE of the ticket row: on
/// PostgreSQL that row's lock orders any number of app instances; on SQLite the single writer does.
/// </summary>
public static partial class Seats
{
    /// <summary>Registrations as <see cref="SeatHolder"/>s; the caller adds the WHERE clause.</summary>
    public const string SelectHolders = """
        SELECT r.id, r.event_id, r.ticket_type_id, r.status, t.kind AS ticket_kind, e.meeting_provider, r.address_confirmed_at
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id JOIN events e ON e.id = r.event_id
        """;

    const string FindHolder = SelectHolders + " WHERE r.id = @id";

    const string Take = "UPDATE ticket_types SET taken = taken + 1 WHERE id = @id AND (capacity IS NULL OR taken < capacity)";
    const string GiveBack = "UPDATE ticket_types SET taken = taken - 1 WHERE id = @id AND taken > 0";

    // An unconfirmed address keeps its place in line but is passed over until its owner uses the mailed link.
    const string OldestWaitlisted = $"""
        SELECT id FROM registrations
        WHERE ticket_type_id = @ticketTypeId AND status = '{Waitlisted}' AND address_confirmed_at IS NOT NULL
        ORDER BY created_at, id LIMIT 1
        """;

    // Every status change names the status it expects: a concurrent change makes it a no-op.
    const string MarkPromoted = $"""
        UPDATE registrations SET status = '{Confirmed}', promoted_at = @now, updated_at = @now
        WHERE id = @id AND status = '{Waitlisted}' AND address_confirmed_at IS NOT NULL
        """;

    const string MarkCancelled = $"""
        UPDATE registrations SET status = '{Cancelled}', cancelled_at = @now, updated_at = @now, client_network = NULL
        WHERE id = @Id AND status = @Status
        """;

    const string MarkSwitched = $"""
        UPDATE registrations SET ticket_type_id = @target, status = '{Confirmed}', invite_revision = invite_revision + 1, updated_at = @now,
            address_confirmed_at = COALESCE(address_confirmed_at, @now)
        WHERE id = @Id AND status = @Status AND ticket_type_id = @TicketTypeId
        """;

    public static Task<SeatHolder?> FindAsync(DbConnection c, DbTransaction tx, long id, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<SeatHolder>(new CommandDefinition(FindHolder, new { id }, tx, cancellationToken: ct));

    static async Task<bool> TakeAsync(DbConnection c, DbTransaction tx, long ticketTypeId, CancellationToken ct) =>
        await c.ExecuteAsync(new CommandDefinition(Take, new { id = ticketTypeId }, tx, cancellationToken: ct)) == 1;

    static Task GiveBackAsync(DbConnection c, DbTransaction tx, long ticketTypeId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(GiveBack, new { id = ticketTypeId }, tx, cancellationToken: ct));

    /// <summary>
    /// The status a new registration starts in: a seat when one is free (held as pending when the
    /// ticket confirms addresses), else the waitlist when the ticket has one; null when it is sold
    /// out (the caller writes nothing).
    /// </summary>
    public static async Task<string?> SeatNewAsync(DbConnection c, DbTransaction tx, TicketTypeRecord ticket, CancellationToken ct) =>
        await TakeAsync(c, tx, ticket.Id, ct) ? ticket.ConfirmAddress ? Pending : Confirmed : ticket.Waitlist ? Waitlisted : null;

    /// <summary>Cancels a registration (by the registrant or an organiser); a confirmed one gives its seat to the waitlist.</summary>
    public static async Task<bool> CancelAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct,
        SeatChange change = SeatChange.Cancelled)
    {
        if (r.Status == Cancelled) return false;
        if (await c.ExecuteAsync(new CommandDefinition(MarkCancelled, new { r.Id, r.Status, now }, tx, cancellationToken: ct)) == 0)
            return false;
        if (HoldsSeat(r.Status)) await ReleaseAsync(c, tx, r.EventId, r.TicketTypeId, now, ct);
        await Owed.AfterAsync(c, tx, r.With(Cancelled), change, now, ct);
        return true;
    }

    /// <summary>
    /// Moves a registration to another ticket of its event (live ↔ recording). The new ticket
    /// must have a seat: a switch never lands on a waitlist. A confirmed registration gives its
    /// old seat to the old ticket's waitlist.
    /// </summary>
    public static async Task<SeatOutcome> SwitchAsync(DbConnection c, DbTransaction tx, SeatHolder r, TicketTypeRecord target, DateTime now,
        CancellationToken ct)
    {
        // A held seat is switched only once its address is confirmed: the hold is what the confirmation decides.
        if (r.Status is Cancelled or Pending || r.EventId != target.EventId || r.TicketTypeId == target.Id) return SeatOutcome.Unchanged;
        if (!await TakeAsync(c, tx, target.Id, ct)) return SeatOutcome.NoSeat;
        if (await c.ExecuteAsync(new CommandDefinition(MarkSwitched, new { target = target.Id, r.Id, r.Status, r.TicketTypeId, now },
                tx, cancellationToken: ct)) == 0)
            throw new System.Data.DBConcurrencyException("The registration changed while switching; the transaction is rolled back.");
        if (r.Status == Confirmed) await ReleaseAsync(c, tx, r.EventId, r.TicketTypeId, now, ct);
        // Only the personal page switches, and its link reached only the address: the address is proven.
        await Owed.AfterAsync(c, tx, r.With(Confirmed, target.Id, target.Kind, r.AddressConfirmedAt ?? now), SeatChange.Switched, now, ct);
        return SeatOutcome.Done;
    }

    /// <summary>An organiser moves a waitlisted registration to confirmed, only when its ticket has a free seat.</summary>
    public static async Task<SeatOutcome> PromoteAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct)
    {
        if (r.Status != Waitlisted || !r.AddressConfirmed) return SeatOutcome.Unchanged;
        if (!await TakeAsync(c, tx, r.TicketTypeId, ct)) return SeatOutcome.NoSeat;
        if (!await MarkPromotedAsync(c, tx, r.Id, now, ct))
            throw new System.Data.DBConcurrencyException(
                "The registration changed while promoting; the seat is given back by the rollback.");
        await Owed.AfterAsync(c, tx, r.With(Confirmed), SeatChange.Promoted, now, ct);
        return SeatOutcome.Done;
    }

    /// <summary>Gives a seat back and offers the ticket's free seats to its waitlist.</summary>
    static async Task ReleaseAsync(DbConnection c, DbTransaction tx, long eventId, long ticketTypeId, DateTime now, CancellationToken ct)
    {
        // This UPDATE locks the ticket row first: on PostgreSQL every later statement here sees
        // what concurrent cancellations of the same ticket committed before us.
        await GiveBackAsync(c, tx, ticketTypeId, ct);
        await FillFromWaitlistAsync(c, tx, eventId, ticketTypeId, now, ct);
    }

    /// <summary>
    /// Hands the free seats of a ticket to its waitlist, oldest first, each taken by the same
    /// conditional UPDATE as a registration's. Called when a seat is given back and when an
    /// organiser raises the capacity. Returns who was promoted.
    /// </summary>
    public static async Task<List<long>> FillFromWaitlistAsync(DbConnection c, DbTransaction tx, long eventId, long ticketTypeId,
        DateTime now, CancellationToken ct)
    {
        var promoted = new List<long>();
        var seatInHand = false;
        while (await c.QuerySingleOrDefaultAsync<long?>(
                   new CommandDefinition(OldestWaitlisted, new { ticketTypeId }, tx, cancellationToken: ct))
               is { } next)
        {
            if (!seatInHand && !await TakeAsync(c, tx, ticketTypeId, ct)) break;
            seatInHand = true;
            // Cancelled by its registrant since we read it: the seat goes to the next in line.
            if (!await MarkPromotedAsync(c, tx, next, now, ct)) continue;
            seatInHand = false;
            promoted.Add(next);
            var holder = await FindAsync(c, tx, next, ct);
            await Owed.AfterAsync(c, tx, holder!, SeatChange.Promoted, now, ct);
        }
        if (seatInHand) await GiveBackAsync(c, tx, ticketTypeId, ct);
        return promoted;
    }

    static async Task<bool> MarkPromotedAsync(DbConnection c, DbTransaction tx, long id, DateTime now, CancellationToken ct) =>
        await c.ExecuteAsync(new CommandDefinition(MarkPromoted, new { id, now }, tx, cancellationToken: ct)) == 1;
}
