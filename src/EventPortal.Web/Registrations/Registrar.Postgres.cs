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
    // The registration's INSERT as PostgreSQL runs it, with the seat claim (a capped ticket) and the mail as data-modifying
    // CTEs around it. An unlimited ticket's statement has no seat CTE at all: PostgreSQL would plan and start it for nothing
    // on every call.
    static string StatementFor(bool capped) => $"""
        WITH reg AS (
        {InsertRegistrationAs()}
        ){(capped ? $"""
        , seat AS (
            UPDATE seats SET registration_id = (SELECT id FROM reg)
            WHERE EXISTS (SELECT 1 FROM reg) AND ticket_type_id = @TicketTypeId AND seat_no = {Seats.FirstLookSeat}
            RETURNING seat_no
        )
        """ : "")}, mail AS (
            INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
            SELECT @MailKind, @MailKey || CAST(reg.id AS text), @EventId, reg.id, '{"{}"}', '{OutboxStatus.Queued}', @Now, @Now
            FROM reg{(capped ? " WHERE EXISTS (SELECT 1 FROM seat)" : "")}
            RETURNING id
        )
        SELECT (SELECT id FROM reg) AS Id, (SELECT status FROM reg) AS Status, EXISTS (SELECT 1 FROM mail) AS Done
        """;

    static readonly string InsertSeatAndMail = StatementFor(capped: true), InsertAndMail = StatementFor(capped: false);

    /// <summary>The statement's outcome: the new row (null: not written), and whether it is seated and mailed.</summary>
    sealed record FastRow(long? Id, string? Status, bool Done);

    /// <summary>
    /// Writes the registration, its seat and its mail in one statement where it can (PostgreSQL; see above). Returns the
    /// new row (null when it was not written) and whether seat and mail are done. <paramref name="row"/> carries the
    /// statement's own parameters too (<c>From</c>, <c>MailKind</c>, <c>MailKey</c>): one plain object, because Dapper
    /// reads back the type of every parameter of a <see cref="DynamicParameters"/> template, and Npgsql infers it anew
    /// for each null (no cache for a type it does not map): a tenth of the app's time per registration (bench/README.md).
    /// </summary>
    static async Task<(Inserted? Row, bool Done)> InsertSeatAndMailAsync(DbConnection connection, DbTransaction tx, object row,
        bool capped, CancellationToken ct)
    {
        var result = await connection.QuerySingleAsync<FastRow>(new CommandDefinition(capped ? InsertSeatAndMail : InsertAndMail, row, tx,
            cancellationToken: ct));
        if (result.Done) CommitNotices.Request(tx);
        return (result.Id is { } id ? new Inserted(id, result.Status!) : null, result.Done);
    }

    static bool OneStatement(DbConnection connection) => connection is NpgsqlConnection;
}
