using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Outbox;

/// <summary>
/// Writing outbox rows: every mail and every meeting-provider call is a row written in the same
/// transaction as the change that causes it, so a registration and its confirmation commit or
/// fail together. The dedupe key makes a second write of the same work a no-op. A transaction
/// that queued anything wakes the dispatcher once it has committed (<see cref="CommitNotices"/>).
/// </summary>
public static class OutboxRows
{
    /// <summary>The mail kinds (<c>mail.*</c>, Mail/MailHandler.cs); meeting kinds are <c>meeting.*</c> (Meetings/).</summary>
    public static class Kinds
    {
        /// <summary>The link that confirms an address (double opt-in), for a held seat or a place on the waitlist.</summary>
        public const string AddressConfirmation = "mail.address_confirmation";
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

    /// <summary>
    /// The condition of the outbox's index by event (<c>outbox_event</c>, migration 0025 on both engines) and of its index
    /// by registration (<c>outbox_registration</c>, PostgreSQL's migration 0026, SQLite's 0028): they leave out the first mail
    /// of each registration, which nothing reads by event or by registration through them, so a registration writes one
    /// index entry less for each. Every query by event for the kinds an event plans, and the reminders dropped by
    /// registration, end with <c>AND</c> this text, word for word (OutboxEventIndexTests reads each one's plan): SQLite
    /// uses a partial index only for a query that repeats its condition, and PostgreSQL only when it can prove it, which it
    /// cannot from a kind passed as a parameter. Without it, the query reads the whole table.
    /// (Erasure reads every kind of an event or a registration, the first mails included, through the index by status
    /// instead.)
    /// </summary>
    public const string NotFirstMail = $"kind NOT IN ('{Kinds.Confirmed}', '{Kinds.AddressConfirmation}')";

    const string Insert = $"""
        INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
        VALUES (@kind, @dedupeKey, @eventId, @registrationId, @payload, '{OutboxStatus.Queued}', @dueAt, @now)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    /// <summary>Queues work inside <paramref name="tx"/>; false when the dedupe key was already used.</summary>
    public static async Task<bool> EnqueueAsync(DbConnection connection, DbTransaction tx, string kind, string dedupeKey,
        long? eventId, long? registrationId, DateTime now, CancellationToken ct, string payload = "{}", DateTime? dueAt = null)
    {
        var queued = await connection.ExecuteAsync(new CommandDefinition(Insert,
            new { kind, dedupeKey, eventId, registrationId, payload, dueAt = dueAt ?? now, now }, tx, cancellationToken: ct)) == 1;
        if (queued) CommitNotices.Request(tx);
        return queued;
    }

    /// <summary>One row of <see cref="EnqueueAllAsync"/>: due at <paramref name="DueAt"/>, or now.</summary>
    public sealed record Row(string Kind, string DedupeKey, string Payload = "{}", DateTime? DueAt = null);

    // The INSERT of n rows for one registration (index n), made once per n: each is a prepared statement of its own.
    static readonly string[] InsertMany = [.. Enumerable.Range(0, 9).Select(n => n == 0 ? "" : $"""
        INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
        VALUES {string.Join(", ", Enumerable.Range(0, n).Select(i =>
            $"(@k{i}, @d{i}, @eventId, @registrationId, @p{i}, '{OutboxStatus.Queued}', @due{i}, @now)"))}
        ON CONFLICT (dedupe_key) DO NOTHING
        """)];

    /// <summary>
    /// Queues <paramref name="rows"/> of one registration inside <paramref name="tx"/> in one statement (a new
    /// registration's confirmation and reminders): one round trip instead of one per row. Returns how many are new.
    /// </summary>
    public static async Task<int> EnqueueAllAsync(DbConnection connection, DbTransaction tx, long eventId, long registrationId,
        IReadOnlyList<Row> rows, DateTime now, CancellationToken ct)
    {
        // One row (a registration's confirmation, no late reminder) is the rush's case: the one-row INSERT with a typed
        // parameter object, whose parameters Dapper sets up once, instead of a DynamicParameters built per call.
        if (rows.Count == 1)
            return await EnqueueAsync(connection, tx, rows[0].Kind, rows[0].DedupeKey, eventId, registrationId, now, ct,
                rows[0].Payload, rows[0].DueAt) ? 1 : 0;
        var queued = 0;
        for (var at = 0; at < rows.Count; at += InsertMany.Length - 1)
        {
            var part = rows.Skip(at).Take(InsertMany.Length - 1).ToList();
            var args = new DynamicParameters(new { eventId, registrationId, now });
            for (var i = 0; i < part.Count; i++)
            {
                args.Add($"k{i}", part[i].Kind);
                args.Add($"d{i}", part[i].DedupeKey);
                args.Add($"p{i}", part[i].Payload);
                args.Add($"due{i}", part[i].DueAt ?? now);
            }
            queued += await connection.ExecuteAsync(new CommandDefinition(InsertMany[part.Count], args, tx, cancellationToken: ct));
        }
        if (queued > 0) CommitNotices.Request(tx);
        return queued;
    }

    /// <summary>
    /// Queues one row of <paramref name="kind"/> for each registration (aliased <c>r</c>) that
    /// <paramref name="fromWhere"/> selects, keyed <paramref name="dedupePrefix"/> + its id, due now:
    /// a mail to a whole audience in one statement. <paramref name="filter"/> holds the fragment's
    /// parameters. Due at <paramref name="dueAt"/> (or now). Returns how many rows are new.
    /// </summary>
    public static async Task<int> EnqueueForRegistrationsAsync(DbConnection connection, DbTransaction tx, string kind, string dedupePrefix,
        string payload, string fromWhere, object filter, DateTime now, CancellationToken ct, DateTime? dueAt = null)
    {
        // SQLite needs the WHERE in fromWhere to read ON CONFLICT as the upsert clause, not a join's ON.
        var sql = $"""
            INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
            SELECT @kind, @dedupePrefix || CAST(r.id AS TEXT), r.event_id, r.id, @payload, '{OutboxStatus.Queued}', @dueAt, @now
            {fromWhere}
            ON CONFLICT (dedupe_key) DO NOTHING
            """;
        var args = new DynamicParameters(filter);
        args.AddDynamicParams(new { kind, dedupePrefix, payload, now, dueAt = dueAt ?? now });
        var queued = await connection.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct));
        if (queued > 0) CommitNotices.Request(tx);
        return queued;
    }

    const string RequeueFailed = $"""
        UPDATE outbox SET status = '{OutboxStatus.Queued}', attempts = 0, due_at = @now
        WHERE id = @id AND status = '{OutboxStatus.Failed}'
        """;

    /// <summary>Makes a failed row due now with a fresh count of attempts; false when it is not failed (any more).</summary>
    public static async Task<bool> RetryFailedAsync(DbConnection connection, DbTransaction tx, long id, DateTime now, CancellationToken ct)
    {
        var queued = await connection.ExecuteAsync(new CommandDefinition(RequeueFailed, new { id, now }, tx, cancellationToken: ct)) == 1;
        if (queued) CommitNotices.Request(tx);
        return queued;
    }
}
