using System.Data.Common;
using Dapper;

namespace EventPortal.Web.Mail;

/// <summary>
/// The outbox: every mail (and later every meeting-provider call) is a row written in the
/// same transaction as the change that causes it, so a registration and its confirmation
/// commit or fail together. The dedupe key makes a second write of the same message a
/// no-op. The dispatcher that sends these rows arrives with the mail issue; until then
/// rows stay queued (see README, "Not built yet").
/// </summary>
public static class Outbox
{
    public static class Kinds
    {
        public const string Confirmed = "mail.registration_confirmed";
        public const string Waitlisted = "mail.registration_waitlisted";
        public const string Promoted = "mail.registration_promoted";
        public const string Cancelled = "mail.registration_cancelled";
        public const string Switched = "mail.ticket_switched";
        public const string Resent = "mail.confirmation_resent";
        public const string EventUpdated = "mail.event_updated";
        public const string Reminder = "mail.reminder";
        public const string RecordingAvailable = "mail.recording_available";
        public const string OrganiserMessage = "mail.organiser_message";
    }

    const string Insert = """
        INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
        VALUES (@kind, @dedupeKey, @eventId, @registrationId, @payload, 'queued', @dueAt, @now)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    /// <summary>Queues a message inside <paramref name="tx"/>; false when the dedupe key was already used.</summary>
    public static async Task<bool> EnqueueAsync(DbConnection connection, DbTransaction tx, string kind, string dedupeKey,
        long? eventId, long? registrationId, DateTime now, CancellationToken ct, string payload = "{}", DateTime? dueAt = null) =>
        await connection.ExecuteAsync(new CommandDefinition(Insert,
            new { kind, dedupeKey, eventId, registrationId, payload, dueAt = dueAt ?? now, now }, tx, cancellationToken: ct)) == 1;
}
