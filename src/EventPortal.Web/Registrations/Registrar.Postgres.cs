using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Outbox;
using Npgsql;

namespace EventPortal.Web.Registrations;

/// <summary>
/// A new registration on PostgreSQL, the common case in one statement: the row, on a capped ticket a free seat (the
/// first look of <see cref="Seats"/>: from a random seat on, skipping those being claimed), and its mail. Each
/// statement costs PostgreSQL a round trip and an executor; three became one (docs/scaling.md). Whatever the
/// statement could not do is done the usual way after it, in the same transaction: a ticket or reminder plan that
/// changed since the page's copy (no row), no free seat at the first look (no seat, no mail: <see cref="Seats.SeatNewAsync"/>
/// looks again or waitlists, and <see cref="Owed"/> writes the mail its outcome owes).
/// </summary>
public sealed partial class Registrar
{
    // InsertRegistration's text up to its RETURNING, with the seat claim and the mail as data-modifying CTEs around it.
    static readonly string InsertSeatAndMail = $"""
        WITH reg AS (
        {InsertRegistration}
        ), seat AS (
            UPDATE seats SET registration_id = (SELECT id FROM reg)
            WHERE @Capped AND EXISTS (SELECT 1 FROM reg) AND ticket_type_id = @TicketTypeId AND seat_no = (
                SELECT seat_no FROM seats WHERE ticket_type_id = @TicketTypeId AND registration_id IS NULL AND seat_no >= @From
                ORDER BY seat_no LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING seat_no
        ), mail AS (
            INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
            SELECT @MailKind, @MailKey || CAST(reg.id AS text), @EventId, reg.id, '{"{}"}', '{OutboxStatus.Queued}', @Now, @Now
            FROM reg WHERE NOT @Capped OR EXISTS (SELECT 1 FROM seat)
            RETURNING id
        )
        SELECT (SELECT id FROM reg) AS Id, EXISTS (SELECT 1 FROM mail) AS Done
        """;

    /// <summary>The statement's outcome: the new row's id (null: not written), and whether it is seated and mailed.</summary>
    sealed record FastRow(long? Id, bool Done);

    /// <summary>
    /// Writes the registration, its seat and its mail in one statement where it can (PostgreSQL; see above). Returns the
    /// new id and whether seat and mail are done, or null for the id when the row was not written.
    /// </summary>
    static async Task<FastRow> InsertSeatAndMailAsync(DbConnection connection, DbTransaction tx, object row, bool capped, bool pending,
        TicketTypeRecord ticket, CancellationToken ct)
    {
        var args = new DynamicParameters(row);
        args.Add("Capped", capped);
        args.Add("From", Random.Shared.Next(1, Math.Max(1, ticket.Capacity ?? 1) + 1));
        args.Add("MailKind", pending ? OutboxRows.Kinds.AddressConfirmation : OutboxRows.Kinds.Confirmed);
        args.Add("MailKey", pending ? "address:" : "confirm:");
        var result = await connection.QuerySingleAsync<FastRow>(new CommandDefinition(InsertSeatAndMail, args, tx, cancellationToken: ct));
        if (result.Done) CommitNotices.Request(tx);
        return result;
    }

    static bool OneStatement(DbConnection connection) => connection is NpgsqlConnection;
}
