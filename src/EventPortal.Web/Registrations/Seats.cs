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
    /// <summary>The address as stored; '' for a person staff registered without one (null: not read, taken as present).</summary>
    public string? Email { get; init; }
    public bool HasAddress => Email != "";
    public bool IsLive => TicketKind == Events.TicketKind.Live;
    public bool AddressConfirmed => AddressConfirmedAt is not null;
    public SeatHolder With(string status, long? ticketTypeId = null, string? ticketKind = null, DateTime? addressConfirmedAt = null) =>
        new()
    {
        Id = Id, EventId = EventId, TicketTypeId = ticketTypeId ?? TicketTypeId, Status = status,
        TicketKind = ticketKind ?? TicketKind, MeetingProvider = MeetingProvider,
        AddressConfirmedAt = addressConfirmedAt ?? AddressConfirmedAt, Email = Email,
    };
}

public enum SeatOutcome { Done, Unchanged, NoSeat }

/// <summary>
/// The seat rules, and the only code that changes a registration's status or who sits on a
/// seat: take a seat, give it back, promote the oldest waitlisted, cancel, switch ticket, erase,
/// and (Seats.Holds.cs) confirm an address or release a lapsed hold. Every method works inside
/// the caller's transaction, so the change, its audit row and what it owes (<see cref="Owed"/>)
/// commit or roll back together. The seats are rows (Seats.Rows.cs): a registration of a capped
/// ticket claims a free one, an unlimited ticket has none.
/// </summary>
public static partial class Seats
{
    /// <summary>Registrations as <see cref="SeatHolder"/>s; the caller adds the WHERE clause.</summary>
    public const string SelectHolders = """
        SELECT r.id, r.event_id, r.ticket_type_id, r.status, t.kind AS ticket_kind, e.meeting_provider, r.address_confirmed_at,
            r.email
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id JOIN events e ON e.id = r.event_id
        """;

    const string FindHolder = SelectHolders + " WHERE r.id = @id";

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

    const string MarkWaitlistedNew = $"""
        UPDATE registrations SET status = '{Waitlisted}', hold_until = NULL WHERE id = @registrationId AND status = @status
        """;

    /// <summary>
    /// Seats a registration just inserted (as <paramref name="status"/>: pending or confirmed) on
    /// a capped ticket, else moves it to the waitlist when the ticket has one. Returns its status;
    /// null when the ticket is sold out (the caller removes the row: nothing is written).
    /// </summary>
    /// <param name="capped">Whether the ticket has a capacity, as the row was inserted under (Registrar's guard).</param>
    /// <param name="looked">PostgreSQL: the registration's one statement made the first look already, and found no seat.</param>
    public static async Task<string?> SeatNewAsync(DbConnection c, DbTransaction tx, TicketTypeRecord ticket, bool capped,
        long registrationId, string status, CancellationToken ct, bool looked = false)
    {
        if (!looked && await ClaimAsync(c, tx, ticket.Id, capped ? ticket.Capacity ?? 1 : null, registrationId, ct, exact: false))
            return status;
        // On PostgreSQL, no seat free for the taking: stand in line behind any release in progress (it hands seats to the
        // line), then look again, this time waiting for the claims in flight. SQLite's one writer has no claims in flight
        // and no release beside this write, so its first look was exact.
        if (IsPostgres(c))
        {
            await LockLineAsync(c, tx, ticket.Id, exclusive: false, ct);
            var capacity = await CapacityAsync(c, tx, ticket.Id, ct);   // an organiser may have changed it since the page was read
            if (await ClaimAsync(c, tx, ticket.Id, capacity, registrationId, ct)) return status;
        }
        if (!ticket.Waitlist) return null;
        await c.ExecuteAsync(new CommandDefinition(MarkWaitlistedNew, new { registrationId, status }, tx, cancellationToken: ct));
        return Waitlisted;
    }

    /// <summary>Cancels a registration (by the registrant or an organiser); a confirmed one gives its seat to the waitlist.</summary>
    public static async Task<bool> CancelAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct,
        SeatChange change = SeatChange.Cancelled)
    {
        if (r.Status == Cancelled) return false;
        if (await c.ExecuteAsync(new CommandDefinition(MarkCancelled, new { r.Id, r.Status, now }, tx, cancellationToken: ct)) == 0)
            return false;
        if (HoldsSeat(r.Status)) await ReleaseAsync(c, tx, r.EventId, r.TicketTypeId, r.Id, now, ct);
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
        if (!await ClaimAsync(c, tx, target.Id, await CapacityAsync(c, tx, target.Id, ct), r.Id, ct)) return SeatOutcome.NoSeat;
        if (await c.ExecuteAsync(new CommandDefinition(MarkSwitched, new { target = target.Id, r.Id, r.Status, r.TicketTypeId, now },
                tx, cancellationToken: ct)) == 0)
            throw new System.Data.DBConcurrencyException("The registration changed while switching; the transaction is rolled back.");
        if (r.Status == Confirmed) await ReleaseAsync(c, tx, r.EventId, r.TicketTypeId, r.Id, now, ct);
        // Only the personal page switches, and its link reached only the address: the address is proven.
        await Owed.AfterAsync(c, tx, r.With(Confirmed, target.Id, target.Kind, r.AddressConfirmedAt ?? now), SeatChange.Switched, now, ct);
        return SeatOutcome.Done;
    }

    /// <summary>An organiser moves a waitlisted registration to confirmed, only when its ticket has a free seat.</summary>
    public static async Task<SeatOutcome> PromoteAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct)
    {
        if (r.Status != Waitlisted || !r.AddressConfirmed) return SeatOutcome.Unchanged;
        if (!await ClaimAsync(c, tx, r.TicketTypeId, await CapacityAsync(c, tx, r.TicketTypeId, ct), r.Id, ct)) return SeatOutcome.NoSeat;
        if (!await MarkPromotedAsync(c, tx, r.Id, now, ct))
            throw new System.Data.DBConcurrencyException(
                "The registration changed while promoting; the seat is given back by the rollback.");
        await Owed.AfterAsync(c, tx, r.With(Confirmed), SeatChange.Promoted, now, ct);
        return SeatOutcome.Done;
    }

    /// <summary>Gives a registration's seat back and offers the ticket's free seats to its waitlist.</summary>
    static async Task ReleaseAsync(DbConnection c, DbTransaction tx, long eventId, long ticketTypeId, long registrationId, DateTime now,
        CancellationToken ct)
    {
        await LockLineAsync(c, tx, ticketTypeId, exclusive: true, ct);
        await VacateAsync(c, tx, ticketTypeId, registrationId, ct);
        await FillFromWaitlistAsync(c, tx, eventId, ticketTypeId, now, ct);
    }

    /// <summary>
    /// Hands the free seats of a ticket to its waitlist, oldest first, holding the ticket's line
    /// lock (Seats.Rows.cs). Called when a seat is given back, when an organiser raises the
    /// capacity and when a waitlisted address is confirmed. Returns who was promoted.
    /// </summary>
    public static async Task<List<long>> FillFromWaitlistAsync(DbConnection c, DbTransaction tx, long eventId, long ticketTypeId,
        DateTime now, CancellationToken ct)
    {
        await LockLineAsync(c, tx, ticketTypeId, exclusive: true, ct);
        var capacity = await CapacityAsync(c, tx, ticketTypeId, ct);
        var promoted = new List<long>();
        long? seatHeldFor = null;   // seated, then left the line before being promoted: the seat goes to the next one
        while (await c.QuerySingleOrDefaultAsync<long?>(
                   new CommandDefinition(OldestWaitlisted, new { ticketTypeId }, tx, cancellationToken: ct))
               is { } next)
        {
            var seated = capacity is null || (seatHeldFor is { } previous
                ? await HandAsync(c, tx, ticketTypeId, previous, next, ct)
                : await ClaimAsync(c, tx, ticketTypeId, capacity, next, ct));
            if (!seated) break;
            seatHeldFor = next;
            // Cancelled by its registrant since we read it: the seat goes to the next in line.
            if (!await MarkPromotedAsync(c, tx, next, now, ct)) continue;
            seatHeldFor = null;
            promoted.Add(next);
            var holder = await FindAsync(c, tx, next, ct);
            await Owed.AfterAsync(c, tx, holder!, SeatChange.Promoted, now, ct);
        }
        if (seatHeldFor is { } left && capacity is not null) await VacateAsync(c, tx, ticketTypeId, left, ct);
        return promoted;
    }

    static async Task<bool> MarkPromotedAsync(DbConnection c, DbTransaction tx, long id, DateTime now, CancellationToken ct) =>
        await c.ExecuteAsync(new CommandDefinition(MarkPromoted, new { id, now }, tx, cancellationToken: ct)) == 1;
}
