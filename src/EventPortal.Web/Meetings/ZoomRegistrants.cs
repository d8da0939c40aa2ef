using Dapper;
using EventPortal.Web.Data;
using Microsoft.Extensions.Options;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Meetings;

/// <summary>
/// Each confirmed live registrant's own Zoom join link (<c>RegistrantLinks=true</c>, and always for webinars), added once the
/// meeting exists and withdrawn at Zoom when the registrant no longer holds a live seat, so their
/// link stops working. Both re-read the registration when they run, so a cancel, a switch or a
/// promotion that committed meanwhile decides.
/// </summary>
public sealed class ZoomRegistrants(ZoomClient zoom, IOptions<MeetingOptions> options, Db db)
{
    const string Person = """
        SELECT r.email, r.given_name, r.family_name, r.status, t.kind, r.provider_join_url
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE r.id = @registrationId
        """;

    const string KeepLink = $"""
        UPDATE registrations SET provider_join_url = @JoinUrl, provider_registrant_id = @RegistrantId
        WHERE id = @registrationId AND status = '{RegistrationStatus.Confirmed}' AND provider_registrant_id IS NULL
          AND ticket_type_id IN (SELECT id FROM ticket_types WHERE kind = 'live')
        """;

    public async Task<OutboxResult> AddAsync(MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        if (!options.Value.Zoom.PersonalLinks || row.RegistrationId is not { } registrationId) return OutboxResult.Skipped;
        // The meeting is not made yet: its creation queues every confirmed registrant again.
        if (ev.ZoomMeetingId is not { } id) return OutboxResult.Skipped;
        await using var connection = await db.OpenAsync(ct);
        var person = await connection.QuerySingleOrDefaultAsync<(string Email, string GivenName, string FamilyName, string Status,
            string Kind, string? ProviderJoinUrl)>(new CommandDefinition(Person, new { registrationId }, cancellationToken: ct));
        // No address (entered by staff without one): Zoom cannot register them; they use the event's own link through /j/.
        if (string.IsNullOrEmpty(person.Email) || person.Status != RegistrationStatus.Confirmed || person.Kind != "live"
            || person.ProviderJoinUrl is not null)
            return OutboxResult.Skipped;
        var registrant = await zoom.AddRegistrantAsync(
            id, new ZoomRegistrantRequest(person.Email, person.GivenName, person.FamilyName), ct);
        // Still entitled? A cancel or switch that committed meanwhile found no registrant to withdraw.
        var kept = await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(KeepLink,
            new { registrant.JoinUrl, registrant.RegistrantId, registrationId }, tx)), CancellationToken.None) == 1;
        if (!kept && registrant.RegistrantId is { } lateId)
            await zoom.CancelRegistrantAsync(id, lateId, person.Email, CancellationToken.None);
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
    /// A registrant who cancelled or moved to the recording ticket is cancelled at Zoom too, so
    /// their own join link stops working; skipped when they are entitled again by the time this runs.
    /// </summary>
    public async Task<OutboxResult> CancelAsync(MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        if (row.RegistrationId is not { } registrationId || ev.ZoomMeetingId is not { } id || ev.MeetingState == MeetingState.Deleted)
            return OutboxResult.Skipped;
        await using var connection = await db.OpenAsync(ct);
        var person = await connection.QuerySingleOrDefaultAsync<(string Email, string Status, string Kind, string? RegistrantId)>(
            new CommandDefinition(Registrant, new { registrationId }, cancellationToken: ct));
        // An erased registration (the retention purge keeps its status) has no address left; the registrant id alone names them.
        var erased = Registrations.Erasure.IsErased(person.Email);
        if (person.RegistrantId is not { } registrantId
            || (person.Status == RegistrationStatus.Confirmed && person.Kind == "live" && !erased))
            return OutboxResult.Skipped;
        var email = erased ? null : person.Email;
        await zoom.CancelRegistrantAsync(id, registrantId, email, ct);
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(DropLink, new { registrationId, registrantId }, tx)),
            CancellationToken.None);
        return OutboxResult.Done;
    }
}
