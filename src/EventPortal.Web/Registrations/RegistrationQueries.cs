using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Registrations;

/// <summary>A registration as its owner sees it: the personal page, the invite, the QR code.</summary>
public sealed class PersonalRegistration
{
    public long Id { get; init; }
    public long EventId { get; init; }
    public string Slug { get; init; } = "";
    public string Status { get; init; } = "";
    public string FamilyName { get; init; } = "";
    public string GivenName { get; init; } = "";
    public string Email { get; init; } = "";
    public string TokenSeed { get; init; } = "";
    public string Language { get; init; } = "ja";
    public long TicketTypeId { get; init; }
    public string TicketKind { get; init; } = "live";
    /// <summary>Bumped when the registration's own invite changes (a ticket switch).</summary>
    public int InviteRevision { get; init; }
    /// <summary>The event's SEQUENCE and last change: what the mail composer's per-event parts are keyed by.</summary>
    public int EventSequence { get; init; }
    public DateTime EventUpdatedAt { get; init; }
    /// <summary>Null until the owner used the mailed link (double opt-in); set at once on tickets without it.</summary>
    public DateTime? AddressConfirmedAt { get; init; }
    public DateTime? HoldUntil { get; init; }
    public bool AddressConfirmed => AddressConfirmedAt is not null;
    public string? CategoryCode { get; init; }
    public string TicketCode { get; init; } = "";
    public bool? Attended { get; init; }
}

public static class RegistrationQueries
{
    const string Select = """
        SELECT r.id, r.event_id, e.slug, r.status, r.family_name, r.given_name, r.email, r.token_seed, r.language,
               r.ticket_type_id, t.kind AS ticket_kind, t.code AS ticket_code, r.invite_revision, e.sequence AS event_sequence,
               e.updated_at AS event_updated_at,
               r.address_confirmed_at, r.hold_until, r.category_code, r.attended
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id JOIN events e ON e.id = r.event_id
        """;

    /// <summary>The registration whose personal page <paramref name="token"/> opens (<see cref="Tokens.FindAsync{T}"/>).</summary>
    public static async Task<PersonalRegistration?> FindByManageTokenAsync(Db db, Tokens tokens, string token, CancellationToken ct)
    {
        if (!Tokens.LooksValid(token)) return null;
        await using var connection = await db.OpenAsync(ct);
        return await tokens.FindAsync<PersonalRegistration>(connection, Tokens.ManagePurpose, token, Select, "manage_token_hash",
            r => r.TokenSeed, ct);
    }

    public static async Task<PersonalRegistration?> FindAsync(Db db, long id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PersonalRegistration>(new CommandDefinition(
            Select + " WHERE r.id = @id", new { id }, cancellationToken: ct));
    }
}
