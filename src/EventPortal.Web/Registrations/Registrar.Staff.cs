using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;

namespace EventPortal.Web.Registrations;

/// <summary>How a person applied: stored with the registration (<c>registrations.channel</c>, migration 0017).</summary>
public static class RegistrationChannel
{
    public const string Web = "web", Api = "api", Phone = "phone", Fax = "fax", Counter = "counter", Other = "other", Import = "import";

    /// <summary>What staff choose from when they enter a registration by hand.</summary>
    public static readonly string[] ByStaff = [Phone, Fax, Counter, Other];
}

public sealed partial class Registrar
{
    /// <summary>
    /// Who made a registration: the person (from a client network), or an organiser on their behalf (with the entry form's
    /// one-time key when it came from one).
    /// </summary>
    sealed record Entry(string Channel, string? EnteredBy, string? EntryKey, string ClientNetwork)
    {
        public bool ByStaff => EnteredBy is not null;
    }

    /// <summary>
    /// An organiser registers someone who applied by phone, FAX, at the counter or in an imported list, inside the
    /// caller's transaction (an import is one transaction for every row), by the same seat rules as everyone
    /// (<see cref="Seats"/>): confirmed at once (staff vouch for the person), else waitlisted or refused when full.
    /// Without an address (<see cref="ValidRegistration.Email"/> empty) nothing is mailed (<see cref="Owed"/>);
    /// with one that is already registered, the outcome says so and nothing changes.
    /// </summary>
    public async Task<RegisterResult> RegisterByStaffAsync(DbConnection connection, DbTransaction tx, EventRecord e,
        ValidRegistration r, string language, string channel, string enteredBy, DateTime now, CancellationToken ct,
        string? entryKey = null)
    {
        if (!r.Ticket.IsOnSale(now, e)) return new(RegisterOutcome.NotOnSale);
        var n = new NewRow(Tokens.NewSeed(now), r.Answers.ToJsonString(Json.Stored));
        // Look first: in a transaction of many rows, a unique violation would undo all of them (on PostgreSQL the
        // transaction is spoilt), and staff expect to be told about a repeat rather than have it mailed again.
        var entry = new Entry(channel, enteredBy, entryKey, "");
        return WithLink(
            await RegisterInTransactionAsync(connection, tx, e, r, language, entry, n, now, lookFirst: r.EmailNormalized.Length > 0, ct));
    }

    /// <summary>The registration an entry form with this one-time key made already (sent twice, or reloaded), if any.</summary>
    public static Task<long?> EnteredAsync(DbConnection connection, DbTransaction tx, long eventId, string entryKey,
        CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(FindEntered, new { eventId, entryKey }, tx,
            cancellationToken: ct));

    const string FindEntered = "SELECT id FROM registrations WHERE event_id = @eventId AND entry_key = @entryKey";

    /// <summary>
    /// Runs <paramref name="work"/> (staff registrations and their audit rows) in one transaction; when a concurrent
    /// registration took one of its addresses between the look and the insert, once more from the start, so the
    /// second run finds it registered.
    /// </summary>
    public async Task<T> WriteByStaffAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(work, ct);
        }
        catch (Exception ex) when (Db.IsUniqueViolation(ex))
        {
            return await db.WriteAsync(work, ct);
        }
    }
}
