using System.Data.Common;
using System.Globalization;
using Dapper;
using EventPortal.Web.Events;
using EventPortal.Web.Mail;
using EventPortal.Web.Meetings;
using EventPortal.Web.Reminders;
using static EventPortal.Web.Registrations.RegistrationStatus;
using EventPortal.Web.Outbox;
using EventPortal.Web.Webhooks;

namespace EventPortal.Web.Registrations;

/// <summary>Why a registration's seat changed: decides the mail it is owed.</summary>
public enum SeatChange { Registered, Promoted, Switched, Cancelled, Erased, EventCancelled, AddressConfirmed, Lapsed }

/// <summary>
/// Everything a registration is owed once its seat changed, written in the same transaction:
/// its mail, its webhook deliveries (created, confirmed, cancelled), its reminder plan (planned, or dropped), and on a
/// Zoom event with per-registrant links its Zoom registrant (added, or withdrawn). Every path that registers, promotes,
/// switches, cancels or erases comes through here, whoever started it (the registrant, the API,
/// an organiser, a capacity raise, an event cancellation, the retention purge), so each owes
/// the same.
/// </summary>
public static class Owed
{
    /// <param name="r">The registration as it is after the change.</param>
    /// <param name="plan">For a new registration, the reminder plan its row was written with (Registrar.cs); null: read it here.</param>
    /// <param name="mailWritten">For a new registration, its mail is written already (with its row, Registrar.Postgres.cs).</param>
    /// <returns>Whether a mail was queued (false when its dedupe key was used before, or none is owed).</returns>
    public static async Task<bool> AfterAsync(DbConnection c, DbTransaction tx, SeatHolder r, SeatChange change, DateTime now,
        CancellationToken ct, ReminderPlan? plan = null, bool mailWritten = false)
    {
        if (change == SeatChange.Registered)
            return await AfterRegisteredAsync(c, tx, r, plan ?? await ReminderRules.LoadPlanAsync(c, tx, r.EventId, ct), now, mailWritten,
                ct);
        // Someone staff registered without an address is owed no mail, no reminders and no Zoom registrant (Zoom needs an
        // address): staff handed them their links.
        var mailed = r.HasAddress && MailFor(r, change, now) is var (kind, key)
            && await OutboxRows.EnqueueAsync(c, tx, kind, key, r.EventId, r.Id, now, ct);
        await WebhookEvents.EmitAsync(c, tx, r.EventId, r.Id, WebhookEvents.For(r, change).ToList(), now, ct);
        if (r.Status == Cancelled || change is SeatChange.EventCancelled or SeatChange.Erased or SeatChange.Lapsed)
        {
            await ReminderRules.DropForRegistrationAsync(c, tx, r.Id, ct);
            // A cancelled event's meeting is deleted with everyone in it; otherwise the person's own link must stop working.
            if (change != SeatChange.EventCancelled) await MeetingSync.QueueUnregisterAsync(c, tx, r.Id, now, ct);
            return mailed;
        }
        // Waitlisted registrations get their reminders too (written when each rule is due): sent only if promoted by then.
        // A switch drops what the old ticket was owed first (the live ticket's join-link reminder).
        if (change == SeatChange.Switched) await ReminderRules.DropForRegistrationAsync(c, tx, r.Id, ct);
        if (!r.HasAddress) return mailed;
        await ReminderRules.PlanLateAsync(c, tx, r.EventId, r.Id, now, ct);
        await MeetingRegistrantAsync(c, tx, r, change, now, ct);
        return mailed;
    }

    /// <summary>
    /// What a new registration is owed, the same as <see cref="AfterAsync"/> gives any other change, with its mail and
    /// reminders written in one statement: the path every registration of a rush takes.
    /// </summary>
    static async Task<bool> AfterRegisteredAsync(DbConnection c, DbTransaction tx, SeatHolder r, ReminderPlan plan, DateTime now,
        bool mailWritten, CancellationToken ct)
    {
        if (r.HasAddress)
        {
            var rows = new List<OutboxRows.Row>(4);
            if (!mailWritten && MailFor(r, SeatChange.Registered, now) is var (kind, key)) rows.Add(new(kind, key));
            rows.AddRange(ReminderRules.RowsForRegistration(plan, r.Id, r.TicketKind, now));
            await OutboxRows.EnqueueAllAsync(c, tx, r.EventId, r.Id, rows, now, ct);
        }
        await WebhookEvents.EmitAsync(c, tx, r.EventId, r.Id, WebhookEvents.For(r, SeatChange.Registered).ToList(), now, ct);
        if (r.HasAddress) await MeetingRegistrantAsync(c, tx, r, SeatChange.Registered, now, ct);
        // A new registration's id is new, and so is the key of its mail.
        return r.HasAddress;
    }

    /// <summary>
    /// A live seat on a Zoom meeting, or on a linked Teams webinar (the handler skips other Teams modes), is registered there.
    /// </summary>
    static async Task MeetingRegistrantAsync(DbConnection c, DbTransaction tx, SeatHolder r, SeatChange change, DateTime now,
        CancellationToken ct)
    {
        if (r.Status == Confirmed && r.IsLive && r.MeetingProvider is nameof(MeetingProvider.Zoom) or nameof(MeetingProvider.Teams))
            await QueueZoomRegistrantAsync(c, tx, r, now, ct,
                change == SeatChange.Switched ? now.Ticks.ToString(CultureInfo.InvariantCulture) : null);
        else if (change == SeatChange.Switched && !r.IsLive)
            await MeetingSync.QueueUnregisterAsync(c, tx, r.Id, now, ct);
    }

    /// <summary>
    /// The mail a new registration is owed: its kind, and its key but for the id at its end. PostgreSQL's one statement
    /// writes it with the row, before the id is known (Registrar.Postgres.cs).
    /// </summary>
    public static (string Kind, string KeyPrefix) RegisteredMail(bool addressConfirmed, string status) => addressConfirmed switch
    {
        // An address not yet confirmed is sent only the link that confirms it (a made-up one, nothing else).
        false => (OutboxRows.Kinds.AddressConfirmation, "address:"),
        true when status == Confirmed => (OutboxRows.Kinds.Confirmed, "confirm:"),
        true => (OutboxRows.Kinds.Waitlisted, "waitlisted:"),
    };

    /// <summary>The mail each change owes, keyed so that writing it twice sends it once.</summary>
    static (string Kind, string Key)? MailFor(SeatHolder r, SeatChange change, DateTime now) => change switch
    {
        SeatChange.Registered when RegisteredMail(r.AddressConfirmed, r.Status) is var (kind, prefix) => (kind, prefix + r.Id),
        // The mail an address confirmed at once would have had: the same key, so it goes once.
        SeatChange.AddressConfirmed when RegisteredMail(addressConfirmed: true, r.Status) is var (kind, prefix) => (kind, prefix + r.Id),
        SeatChange.Promoted => (OutboxRows.Kinds.Promoted, $"promoted:{r.Id}"),
        SeatChange.Switched => (OutboxRows.Kinds.Switched, $"switch:{r.Id}:{r.TicketTypeId}:{now.Ticks}"),
        SeatChange.Cancelled => (OutboxRows.Kinds.Cancelled, $"cancel:{r.Id}"),
        SeatChange.EventCancelled => (OutboxRows.Kinds.Cancelled, $"event-cancel:{r.Id}"),
        _ => null,   // erased: there is no address left to write to; lapsed: the address was never shown to be anyone's
    };

    /// <summary>
    /// A Zoom event with per-registrant links gives each live seat its own join link — once the
    /// meeting exists; registrations from before that are signed up when the meeting is made.
    /// </summary>
    static async Task QueueZoomRegistrantAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct,
        string? version)
    {
        var meetingExists = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM events WHERE id = @EventId AND meeting_external_id IS NOT NULL",
            new { r.EventId }, tx, cancellationToken: ct)) == 1;
        if (meetingExists) await MeetingSync.QueueRegistrantAsync(c, tx, r.EventId, r.Id, now, ct, version);
    }
}
