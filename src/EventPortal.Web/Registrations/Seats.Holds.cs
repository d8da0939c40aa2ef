using System.Data.Common;
using Dapper;
using static EventPortal.Web.Registrations.RegistrationStatus;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Address confirmation (double opt-in), the part of the seat rules about unconfirmed
/// registrations: a pending one holds a seat until its hold runs out; using the mailed link
/// confirms it; a lapsed hold gives the seat back to the waitlist. Each status change names the
/// status it expects, so two instances (the sweep on one, the registrant's click on the other)
/// can never both act on one hold: the second UPDATE changes no row.
/// </summary>
public static partial class Seats
{
    // The hold must still be running: a click after it ran out does not revive a seat the sweep may be giving away.
    const string MarkHoldConfirmed = $"""
        UPDATE registrations SET status = '{Confirmed}', address_confirmed_at = @now, hold_until = NULL, client_network = NULL,
            updated_at = @now
        WHERE id = @Id AND status = '{Pending}' AND hold_until > @now
        """;

    const string MarkWaitlistConfirmed = $"""
        UPDATE registrations SET address_confirmed_at = @now, client_network = NULL, updated_at = @now
        WHERE id = @Id AND status = '{Waitlisted}' AND address_confirmed_at IS NULL
        """;

    const string MarkLapsed = $"""
        UPDATE registrations SET status = '{Cancelled}', cancelled_at = @now, client_network = NULL, updated_at = @now
        WHERE id = @Id AND status = '{Pending}' AND hold_until <= @now
        """;

    /// <summary>
    /// The owner used the mailed link. A pending registration whose hold is still running keeps
    /// its seat as confirmed (and is owed the confirmation with the invite); an unconfirmed
    /// waitlisted one takes its place in line, and a seat that freed up while it was passed over
    /// goes to the line at once. <see cref="SeatOutcome.NoSeat"/>: the hold ran out first and was released now.
    /// </summary>
    public static async Task<SeatOutcome> ConfirmAddressAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now,
        CancellationToken ct)
    {
        if (r.Status == Pending)
        {
            if (await c.ExecuteAsync(new CommandDefinition(MarkHoldConfirmed, new { r.Id, now }, tx, cancellationToken: ct)) == 0)
            {
                // Ran out a moment ago and the sweep has not come by yet: release it now, as the sweep would.
                // (Unchanged: a concurrent click confirmed it, or the sweep released it, first.)
                return await LapseAsync(c, tx, r, now, ct) ? SeatOutcome.NoSeat : SeatOutcome.Unchanged;
            }
            await Owed.AfterAsync(c, tx, r.With(Confirmed, addressConfirmedAt: now), SeatChange.AddressConfirmed, now, ct);
            return SeatOutcome.Done;
        }
        if (r.Status != Waitlisted || r.AddressConfirmed) return SeatOutcome.Unchanged;
        if (await c.ExecuteAsync(new CommandDefinition(MarkWaitlistConfirmed, new { r.Id, now }, tx, cancellationToken: ct)) == 0)
            return SeatOutcome.Unchanged;
        await Owed.AfterAsync(c, tx, r.With(Waitlisted, addressConfirmedAt: now), SeatChange.AddressConfirmed, now, ct);
        // A seat freed while it was passed over goes to the line now (under the line lock, as a release).
        await FillFromWaitlistAsync(c, tx, r.EventId, r.TicketTypeId, now, ct);
        return SeatOutcome.Done;
    }

    /// <summary>
    /// Releases a hold whose time ran out: the registration is cancelled (no mail: the address
    /// was never shown to be anyone's), its seat goes to the oldest confirmed waitlisted. False
    /// when it was confirmed, cancelled or released by someone else first.
    /// </summary>
    public static async Task<bool> LapseAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct)
    {
        if (r.Status != Pending) return false;
        if (await c.ExecuteAsync(new CommandDefinition(MarkLapsed, new { r.Id, now }, tx, cancellationToken: ct)) == 0) return false;
        await ReleaseAsync(c, tx, r.EventId, r.TicketTypeId, r.Id, now, ct);
        await Owed.AfterAsync(c, tx, r.With(Cancelled), SeatChange.Lapsed, now, ct);
        return true;
    }
}
