using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Meetings;

/// <summary>A person a provider registers: the address and the name the registration holds now.</summary>
public sealed record RegistrantPerson(string Email, string GivenName, string FamilyName);

/// <summary>The provider's registrant: its id (to cancel it later) and the personal join link served behind <c>/j/</c>.</summary>
public sealed record ProviderRegistrant(string? Id, string? JoinUrl);

/// <summary>
/// The database side of each live registrant's own registration at the provider (Zoom
/// registrants, Teams webinar registrations): who is entitled, keeping the provider's id and
/// personal link on the registration, and dropping them once withdrawn. Both re-read the
/// registration when they run, so a cancel, a switch or a promotion that committed meanwhile decides.
/// </summary>
public sealed class PersonalRegistrants(Db db)
{
    const string Person = """
        SELECT r.email, r.given_name, r.family_name, r.status, t.kind, r.provider_join_url
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE r.id = @registrationId
        """;

    const string KeepLink = $"""
        UPDATE registrations SET provider_join_url = @JoinUrl, provider_registrant_id = @Id
        WHERE id = @registrationId AND status = '{RegistrationStatus.Confirmed}' AND provider_registrant_id IS NULL
          AND ticket_type_id IN (SELECT id FROM ticket_types WHERE kind = 'live')
        """;

    /// <summary>
    /// Registers a confirmed live registration that has no personal link yet through <paramref name="add"/>, and keeps the
    /// answer; when the seat went meanwhile (a cancel that found nothing to withdraw), <paramref name="cancel"/> withdraws it at once.
    /// </summary>
    public async Task<OutboxResult> AddAsync(long registrationId, Func<RegistrantPerson, Task<ProviderRegistrant>> add,
        Func<string, string?, Task> cancel, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var person = await connection.QuerySingleOrDefaultAsync<(string Email, string GivenName, string FamilyName, string Status,
            string Kind, string? ProviderJoinUrl)>(new CommandDefinition(Person, new { registrationId }, cancellationToken: ct));
        // No address (entered by staff without one): the provider cannot register them; they use the event's own link via /j/.
        if (string.IsNullOrEmpty(person.Email) || person.Status != RegistrationStatus.Confirmed || person.Kind != "live"
            || person.ProviderJoinUrl is not null || Erasure.IsErased(person.Email))
            return OutboxResult.Skipped;
        var registrant = await add(new RegistrantPerson(person.Email, person.GivenName, person.FamilyName));
        // Once the provider has acted, the answer must be kept even while shutting down.
        var kept = await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(KeepLink,
            new { registrant.JoinUrl, registrant.Id, registrationId }, tx)), CancellationToken.None) == 1;
        if (!kept && registrant.Id is { } lateId) await cancel(lateId, person.Email);
        return OutboxResult.Done;
    }

    const string Registrant = """
        SELECT r.email, r.status, t.kind, r.provider_registrant_id
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE r.id = @registrationId
        """;

    const string DropLink = """
        UPDATE registrations SET provider_join_url = NULL, provider_registrant_id = NULL
        WHERE id = @registrationId AND provider_registrant_id = @registrantId
        """;

    /// <summary>
    /// Withdraws the provider's registrant of a registration that no longer holds a live seat (or of any registration with
    /// <paramref name="evenIfEntitled"/>: the event is over for everyone), so the personal link stops working; skipped when there
    /// is none, or the person is entitled again by the time this runs. <paramref name="cancel"/> gets the registrant id and the
    /// address (null once erased: the id alone names them).
    /// </summary>
    public async Task<OutboxResult> CancelAsync(long registrationId, Func<string, string?, Task> cancel, CancellationToken ct,
        bool evenIfEntitled = false)
    {
        await using var connection = await db.OpenAsync(ct);
        var person = await connection.QuerySingleOrDefaultAsync<(string Email, string Status, string Kind, string? RegistrantId)>(
            new CommandDefinition(Registrant, new { registrationId }, cancellationToken: ct));
        var erased = person.Email is not null && Erasure.IsErased(person.Email);
        if (person.RegistrantId is not { } registrantId
            || (!evenIfEntitled && person.Status == RegistrationStatus.Confirmed && person.Kind == "live" && !erased))
            return OutboxResult.Skipped;
        await cancel(registrantId, erased ? null : person.Email);
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(DropLink, new { registrationId, registrantId }, tx)),
            CancellationToken.None);
        return OutboxResult.Done;
    }

    /// <summary>The registrations of an event that hold a provider registrant.</summary>
    public async Task<IReadOnlyList<long>> HoldingAsync(long eventId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM registrations WHERE event_id = @eventId AND provider_registrant_id IS NOT NULL ORDER BY id",
            new { eventId }, cancellationToken: ct))).ToList();
    }
}
