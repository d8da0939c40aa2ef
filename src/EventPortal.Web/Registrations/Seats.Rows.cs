using System.Data.Common;
using Dapper;
using Npgsql;
using static EventPortal.Web.Registrations.RegistrationStatus;

namespace EventPortal.Web.Registrations;

/// <summary>
/// The seats themselves (migration 0012). A ticket with a capacity has one <c>seats</c> row per
/// seat, naming the registration on it; an unlimited ticket has none and its registrations take
/// no lock at all. A seat is taken by an UPDATE of one free row: on PostgreSQL the row is chosen
/// with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent registrations of one ticket, on any number
/// of instances, each lock a different row instead of queueing on one counter (docs/scaling.md).
/// On SQLite the single writer orders everything and the same statements run without the
/// locking clause.
/// <para>
/// Two rules keep the waitlist exact without a global queue on PostgreSQL. A release (a seat
/// given back, a capacity raised, a waitlisted address confirmed) holds the ticket's line lock
/// exclusively while it hands free seats to the line; a registration that found no free seat
/// holds it shared while it looks again and joins the line. So a registrant joins the line either
/// before a release (which then sees them) or after it (and then sees the seat it freed); never
/// a waitlisted registration beside a free seat. Registrations that find a seat never touch it.
/// </para>
/// </summary>
public static partial class Seats
{
    /// <summary>
    /// PostgreSQL's first look for a seat (a scalar SQL expression, null: none): a free seat nobody else is claiming at
    /// this moment, looked for from a random seat <c>@From</c> on (<see cref="RandomFrom"/>), then below it, so that
    /// concurrent claims start apart instead of all skipping the same locked rows and the index entries of seats claimed
    /// since the last vacuum. The second half runs only when the first finds nothing. Also used inside the one statement
    /// that writes a new registration (Registrar.Postgres.cs).
    /// </summary>
    public const string FirstLookSeat = """
        COALESCE(
            (SELECT seat_no FROM seats WHERE ticket_type_id = @TicketTypeId AND registration_id IS NULL AND seat_no >= @From
             ORDER BY seat_no LIMIT 1 FOR UPDATE SKIP LOCKED),
            (SELECT seat_no FROM seats WHERE ticket_type_id = @TicketTypeId AND registration_id IS NULL AND seat_no < @From
             ORDER BY seat_no LIMIT 1 FOR UPDATE SKIP LOCKED))
        """;

    /// <summary>Where <see cref="FirstLookSeat"/> starts on a ticket of <paramref name="capacity"/> seats.</summary>
    public static int RandomFrom(int? capacity) => Random.Shared.Next(1, Math.Max(1, capacity ?? 1) + 1);

    const string ClaimSeat = "UPDATE seats SET registration_id = @registrationId WHERE ticket_type_id = @TicketTypeId AND seat_no = ";
    const string FirstFree =
        "(SELECT seat_no FROM seats WHERE ticket_type_id = @TicketTypeId AND registration_id IS NULL ORDER BY seat_no LIMIT 1";
    const string ClaimFirstLook = ClaimSeat + FirstLookSeat;
    // PostgreSQL, second try: every seat, also waiting for the claims in flight, since one may roll back.
    const string ClaimWaiting = ClaimSeat + FirstFree + " FOR UPDATE)";
    const string ClaimSqlite = ClaimSeat + FirstFree + ")";

    const string Vacate =
        "UPDATE seats SET registration_id = NULL WHERE ticket_type_id = @ticketTypeId AND registration_id = @registrationId";
    const string Hand = "UPDATE seats SET registration_id = @to WHERE ticket_type_id = @ticketTypeId AND registration_id = @from";

    // pg_advisory_xact_lock's first key for a ticket's line (the second is the ticket's id).
    const int LineLockClass = 0x4c696e65;   // "Line"

    /// <summary>
    /// Seats taken on ticket <c>t</c> (a SQL expression over an alias <c>t</c> of ticket_types):
    /// its confirmed and pending registrations. Counted, never stored, so nothing serialises on it.
    /// </summary>
    public const string TakenOfT = $"""
        (SELECT COUNT(*) FROM registrations x WHERE x.ticket_type_id = t.id AND x.status IN ('{Confirmed}', '{Pending}'))
        """;

    static bool IsPostgres(DbConnection c) => c is NpgsqlConnection;

    /// <summary>
    /// Puts a registration on a free seat of its ticket: true at once on an unlimited ticket.
    /// On PostgreSQL a free seat locked by another claim counts as taken in the first look only;
    /// false means no seat is free, claims in flight included (unless <paramref name="exact"/> is false).
    /// </summary>
    /// <param name="capacity">The ticket's capacity as the caller knows it (only where the random search starts depends on it).</param>
    static async Task<bool> ClaimAsync(DbConnection c, DbTransaction tx, long ticketTypeId, int? capacity, long registrationId,
        CancellationToken ct, bool exact = true)
    {
        if (capacity is null) return true;
        var args = new { TicketTypeId = ticketTypeId, registrationId, From = RandomFrom(capacity) };
        if (!IsPostgres(c)) return await c.ExecuteAsync(new CommandDefinition(ClaimSqlite, args, tx, cancellationToken: ct)) == 1;
        if (await c.ExecuteAsync(new CommandDefinition(ClaimFirstLook, args, tx, cancellationToken: ct)) == 1) return true;
        // Every free seat is being claimed by someone else: wait for them, since one may roll back.
        return exact && await c.ExecuteAsync(new CommandDefinition(ClaimWaiting, args, tx, cancellationToken: ct)) == 1;
    }

    static Task VacateAsync(DbConnection c, DbTransaction tx, long ticketTypeId, long registrationId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(Vacate, new { ticketTypeId, registrationId }, tx, cancellationToken: ct));

    static async Task<bool> HandAsync(DbConnection c, DbTransaction tx, long ticketTypeId, long from, long to, CancellationToken ct) =>
        await c.ExecuteAsync(new CommandDefinition(Hand, new { ticketTypeId, from, to }, tx, cancellationToken: ct)) == 1;

    static Task<int?> CapacityAsync(DbConnection c, DbTransaction tx, long ticketTypeId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            "SELECT capacity FROM ticket_types WHERE id = @ticketTypeId", new { ticketTypeId }, tx, cancellationToken: ct));

    /// <summary>The ticket's line lock (PostgreSQL; SQLite's single writer needs none), held to the commit.</summary>
    static async Task LockLineAsync(DbConnection c, DbTransaction tx, long ticketTypeId, bool exclusive, CancellationToken ct)
    {
        if (!IsPostgres(c)) return;
        var sql = exclusive
            ? "SELECT pg_advisory_xact_lock(@LineLockClass, CAST(@ticketTypeId AS integer))"
            : "SELECT pg_advisory_xact_lock_shared(@LineLockClass, CAST(@ticketTypeId AS integer))";
        await c.ExecuteAsync(new CommandDefinition(sql, new { LineLockClass, ticketTypeId }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// Makes a ticket's seat rows match its capacity after an organiser set it: adds seats, or
    /// removes free ones, and seats the holders that have none (a ticket that was unlimited). False
    /// when the capacity is below the seats taken (the caller refuses the change and rolls back).
    /// </summary>
    public static async Task<bool> ResizeAsync(DbConnection c, DbTransaction tx, long ticketTypeId, int? capacity, CancellationToken ct,
        bool isNew = false)
    {
        if (!isNew) await LockLineAsync(c, tx, ticketTypeId, exclusive: true, ct);
        if (capacity is null)
        {
            await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM seats WHERE ticket_type_id = @ticketTypeId", new { ticketTypeId }, tx, cancellationToken: ct));
            return true;
        }
        var (count, last) = await c.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT COUNT(*), COALESCE(MAX(seat_no), 0) FROM seats WHERE ticket_type_id = @ticketTypeId",
            new { ticketTypeId }, tx, cancellationToken: ct));
        if (count == 0 && !isNew && IsPostgres(c))
        {
            // Unlimited until now: registrations in flight decided without seats. Wait for them to commit, then seat them.
            await c.ExecuteAsync(new CommandDefinition("LOCK TABLE registrations IN SHARE MODE", transaction: tx, cancellationToken: ct));
        }
        if (count < capacity)
            await c.ExecuteAsync(new CommandDefinition("""
                WITH RECURSIVE n(i) AS (SELECT CAST(@first AS integer) UNION ALL SELECT i + 1 FROM n WHERE i < @final)
                INSERT INTO seats (ticket_type_id, seat_no) SELECT @ticketTypeId, i FROM n
                """, new { ticketTypeId, first = last + 1, final = last + capacity.Value - count }, tx, cancellationToken: ct));
        else if (count > capacity)
        {
            var excess = count - capacity.Value;
            var removed = await c.ExecuteAsync(new CommandDefinition($"""
                DELETE FROM seats WHERE ticket_type_id = @ticketTypeId AND seat_no IN (
                    SELECT seat_no FROM seats WHERE ticket_type_id = @ticketTypeId AND registration_id IS NULL
                    ORDER BY seat_no DESC LIMIT @excess{(IsPostgres(c) ? " FOR UPDATE" : "")})
                """, new { ticketTypeId, excess }, tx, cancellationToken: ct));
            if (removed < excess) return false;
        }
        if (isNew) return true;
        var unseated = await c.QueryAsync<long>(new CommandDefinition($"""
            SELECT r.id FROM registrations r
            WHERE r.ticket_type_id = @ticketTypeId AND r.status IN ('{Confirmed}', '{Pending}')
              AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.ticket_type_id = r.ticket_type_id AND s.registration_id = r.id)
            ORDER BY r.created_at, r.id
            """, new { ticketTypeId }, tx, cancellationToken: ct));
        foreach (var id in unseated)
            if (!await ClaimAsync(c, tx, ticketTypeId, capacity, id, ct)) return false;
        return true;
    }

    /// <summary>The seat rows of a new ticket (no registrations yet).</summary>
    public static Task CreateSeatsAsync(DbConnection c, DbTransaction tx, long ticketTypeId, int? capacity, CancellationToken ct) =>
        capacity is > 0 ? ResizeAsync(c, tx, ticketTypeId, capacity, ct, isNew: true) : Task.CompletedTask;
}
