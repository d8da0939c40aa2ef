using System.Globalization;
using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Solutions.VirtualEvents.Webinars.Item;

namespace EventPortal.Web.Meetings;

/// <summary>
/// An existing Teams webinar the organiser links (<c>Mode=Webinar</c>): the event's meeting URL holds
/// its link or id (<see cref="TeamsWebinarLink"/>). Making a webinar needs delegated permission, which
/// an unattended server has not, so the portal only registers people: each confirmed live registrant
/// becomes a registration of the webinar (Graph <c>/solutions/virtualEvents/webinars/{id}/registrations</c>,
/// application permission <c>VirtualEventRegistration-Anon.ReadWrite.All</c>), cancelled when the seat is
/// lost or the event is cancelled. The webinar itself is the organiser's and is never changed or deleted.
/// </summary>
public sealed class TeamsWebinars([FromKeyedServices(GraphUse.Meetings)] GraphServiceClient graph, MeetingRecord record,
    PersonalRegistrants registrants, IOptions<MeetingOptions> options) : IMeetingProvider
{
    public bool Active => options.Value.Teams.Mode == TeamsMode.Webinar;

    VirtualEventWebinarItemRequestBuilder Webinar(string id) => graph.Solutions.VirtualEvents.Webinars[id];

    /// <summary>Links the webinar: its id becomes the meeting's, and everyone confirmed so far is queued for registration.</summary>
    public async Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct)
    {
        var id = TeamsWebinarLink.IdFrom(ev.MeetingUrl) ?? throw NotAWebinar(ev);
        await record.SaveReadyAsync(ev.Id, id, joinUrl: null, queueRegistrants: true);
        return OutboxResult.Done;
    }

    /// <summary>A webinar's title and times are the organiser's to change in Teams; the link is checked again.</summary>
    public Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct) =>
        ev.MeetingExternalId is null ? CreateAsync(ev, ct) : Task.FromResult(OutboxResult.Skipped);

    /// <summary>The event is cancelled: every registration we made is cancelled (the webinar stays the organiser's).</summary>
    public async Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct)
    {
        if (ev.MeetingExternalId is not { } id) return OutboxResult.Skipped;
        foreach (var registrationId in await registrants.HoldingAsync(ev.Id, ct))
            await registrants.CancelAsync(registrationId, (registrantId, _) => CancelAsync(id, registrantId, ct), ct, evenIfEntitled: true);
        await record.SaveDeletedAsync(ev.Id, id);
        return OutboxResult.Done;
    }

    /// <summary>Registers a confirmed live registrant once; a retry finds the registration an earlier attempt made.</summary>
    public Task<OutboxResult> AddAsync(MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        if (!Active || row.RegistrationId is not { } registrationId || ev.MeetingExternalId is not { } id
            || ev.MeetingState == MeetingState.Deleted)
            return Task.FromResult(OutboxResult.Skipped);
        return registrants.AddAsync(registrationId, person => RegisterAsync(ev, id, person, ct),
            (registrantId, _) => CancelAsync(id, registrantId, CancellationToken.None), ct);
    }

    /// <summary>A registrant who lost the seat is cancelled at Teams, so the personal link stops working.</summary>
    public Task<OutboxResult> RemoveAsync(MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        if (row.RegistrationId is not { } registrationId || ev.MeetingExternalId is not { } id || ev.MeetingState == MeetingState.Deleted)
            return Task.FromResult(OutboxResult.Skipped);
        return registrants.CancelAsync(registrationId, (registrantId, _) => CancelAsync(id, registrantId, ct), ct);
    }

    /// <summary>
    /// Looks the address up first (an earlier attempt may have registered it and lost the answer), then
    /// creates. With application permission Graph answers the create with 204 and no body, so the
    /// registration is read back by address; a 409 (registered meanwhile) is read back the same way.
    /// </summary>
    async Task<ProviderRegistrant> RegisterAsync(MeetingEvent ev, string webinarId, RegistrantPerson person, CancellationToken ct)
    {
        if (await FindAsync(webinarId, person.Email, ct) is { } existing) return Personal(existing);
        try
        {
            var made = await GraphCalls.RunAsync(() => Webinar(webinarId).Registrations.PostAsync(new VirtualEventRegistration
            {
                Email = person.Email,
                FirstName = person.GivenName,
                LastName = person.FamilyName,
                PreferredLanguage = ev.Language == "en" ? "en-us" : "ja-jp",
                PreferredTimezone = TimeZoneInfo.TryConvertIanaIdToWindowsId(ev.TimeZone, out var windows) ? windows : ev.TimeZone,
            }, cancellationToken: ct));
            if (made?.Id is not null) return Personal(made);
        }
        catch (GraphException e) when (e.Status == 409) { }
        return Personal(await FindAsync(webinarId, person.Email, ct)
            ?? throw new GraphException(404, "RegistrationNotFound",
                $"Webinar {webinarId} accepted a registration but has none for the address when asked.", null));
    }

    /// <summary>The address's live registration (<c>registrations(email='…')</c>); null when there is none or it was cancelled.</summary>
    async Task<VirtualEventRegistration?> FindAsync(string webinarId, string email, CancellationToken ct)
    {
        try
        {
            var found = await GraphCalls.RunAsync(() => Webinar(webinarId).RegistrationsWithEmail(email).GetAsync(cancellationToken: ct));
            return found?.Status is VirtualEventAttendeeRegistrationStatus.Canceled
                or VirtualEventAttendeeRegistrationStatus.RejectedByOrganizer ? null : found;
        }
        catch (GraphException e) when (e.Status == 404) { return null; }
    }

    /// <summary>
    /// The registration's id and personal join link: Graph's v1.0 model has no <c>joinWebUrl</c> on a
    /// registration, so it is read from what the answer carries beyond the model when present; without
    /// it <c>/j/</c> leads to the event's meeting URL (Teams mails each registrant their own link).
    /// </summary>
    static ProviderRegistrant Personal(VirtualEventRegistration r) => new(r.Id,
        r.AdditionalData.TryGetValue("joinWebUrl", out var url) ? Convert.ToString(url, CultureInfo.InvariantCulture) : null);

    /// <summary>Cancels a registration; one already gone (404) is what we wanted.</summary>
    Task CancelAsync(string webinarId, string registrationId, CancellationToken ct) =>
        GraphCalls.DeleteIfPresentAsync(() => Webinar(webinarId).Registrations[registrationId].Cancel.PostAsync(cancellationToken: ct));

    static GraphException NotAWebinar(MeetingEvent ev) => new(400, "InvalidWebinarLink",
        $"The meeting URL of event {ev.Id} is not a Teams webinar link or id: paste the webinar's registration link " +
        "(https://events.teams.microsoft.com/event/…) or its id ({guid}@{tenant guid}). Nothing was changed.", null);
}
