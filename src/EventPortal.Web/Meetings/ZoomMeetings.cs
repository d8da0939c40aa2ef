using System.Globalization;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.Options;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>
/// Zoom meetings or webinars (<c>Zoom:Kind</c>; Server-to-Server OAuth, <see cref="ZoomClient"/>). Zoom has no idempotency key:
/// we update whenever an id is stored, each meeting carries our key in its agenda, and a create
/// first looks for a scheduled meeting of the host with that key, so a crash between Zoom's answer
/// and our commit does not make a second meeting. A create is claimed in the database first
/// (<see cref="MeetingClaim"/>), so two instances never both make one.
/// </summary>
public sealed class ZoomMeetings(ZoomClient zoom, IOptions<MeetingOptions> options, Tokens tokens, MeetingRecord record, MeetingClaim claim,
    ZoomPanelists panelists, ILogger<ZoomMeetings> logger) : IMeetingProvider
{
    bool Webinar => options.Value.Zoom.Kind == ZoomKind.Webinar;

    public Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct) => SaveAsync(ev, ct);

    public Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct) => SaveAsync(ev, ct);

    async Task<OutboxResult> SaveAsync(MeetingEvent ev, CancellationToken ct)
    {
        var registrantLinks = options.Value.Zoom.PersonalLinks;
        var request = Request(ev, registrantLinks);
        if (ev.ZoomMeetingId is { } existing)
        {
            await zoom.UpdateMeetingAsync(existing, request, ct);
            await record.SaveReadyAsync(ev.Id, ev.MeetingExternalId!, null);
            if (Webinar) await panelists.SyncAsync(ev, existing, ct);
            return OutboxResult.Done;
        }
        // One instance at a time makes an event's Zoom meeting.
        if (!await claim.TryCreateAsync(ev.Id, ct))
            throw new OutboxException("Another instance is making this event's Zoom meeting; trying again shortly.", permanent: false)
            { RetryAfter = TimeSpan.FromSeconds(10) };
        // The claim must not lapse while we work: give up well before, and the retry finds what we made.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(MeetingClaim.Lapse - TimeSpan.FromSeconds(30));
        // An earlier attempt may have made the meeting and crashed before recording it: our key in the agenda finds it.
        var made = await zoom.FindMeetingAsync(AgendaKey(ev), deadline.Token);
        if (made is not null) await zoom.UpdateMeetingAsync(made.Id, request, deadline.Token);
        else made = await zoom.CreateMeetingAsync(request, deadline.Token);
        if (!await record.SaveReadyAsync(
                ev.Id, made.Id.ToString(CultureInfo.InvariantCulture), made.JoinUrl, claim.Instance, registrantLinks))
            logger.LogWarning("Zoom meeting for event {EventId} made after this instance's claim lapsed; " +
                "the claim's holder adopts it by its agenda key", ev.Id);
        else if (Webinar) await panelists.SyncAsync(ev, made.Id, ct); // a failure here is retried as an update of the stored webinar
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct)
    {
        var id = ev.ZoomMeetingId;
        if (id is null && ev.MeetingState is MeetingState.Pending or MeetingState.Creating
            && await zoom.FindMeetingAsync(AgendaKey(ev), ct) is { } lost)
            id = lost.Id;
        // Another instance is making the meeting right now: delete it once it exists.
        if (id is null && claim.BeingMade(ev))
            throw new OutboxException("The meeting is still being made; deleting it once it exists.", permanent: false)
            { RetryAfter = TimeSpan.FromSeconds(10) };
        if (id is not { } doomed) return OutboxResult.Skipped;
        await zoom.DeleteMeetingAsync(doomed, ct);
        await record.SaveDeletedAsync(ev.Id, doomed.ToString(CultureInfo.InvariantCulture));
        return OutboxResult.Done;
    }

    /// <summary>
    /// A scheduled meeting (type 2) or webinar (type 5) in the event's own time zone. With personal
    /// links it needs registration and manual approval, and we add (and approve) each registrant: a
    /// leaked registration page then cannot let strangers approve themselves. Zoom's own mails to
    /// registrants (confirmation, reminders, a webinar's follow-ups and survey) are off: the portal
    /// sends its own, in the registrant's language, with the personal link behind <c>/j/</c>.
    /// </summary>
    ZoomMeetingRequest Request(MeetingEvent ev, bool registrantLinks)
    {
        var quiet = new ZoomEmailNotification(Enable: false);
        return new(
            ev.Title.Length > 200 ? ev.Title[..200] : ev.Title,
            Type: Webinar ? 5 : 2,
            StartTime: ev.LocalTime(ev.StartsAt),
            Timezone: ev.TimeZone,
            Duration: Math.Max(1, (int)Math.Ceiling((ev.EndsAt - ev.StartsAt).TotalMinutes)),
            Agenda: AgendaKey(ev),
            Settings: new ZoomMeetingSettings(
                ApprovalType: registrantLinks ? 1 : 2,
                RegistrationType: registrantLinks && !Webinar ? 1 : null,
                JoinBeforeHost: Webinar ? null : false,
                JbhTime: null,
                MuteUponEntry: Webinar ? null : true)
            {
                RegistrantsConfirmationEmail = registrantLinks ? false : null,
                RegistrantsEmailNotification = registrantLinks ? false : null,
                FollowUpAttendeesEmail = Webinar ? quiet : null,
                FollowUpAbsenteesEmail = Webinar ? quiet : null,
                ReminderEmail = Webinar ? quiet : null,
                PostWebinarSurvey = Webinar ? false : null,
            });
    }

    /// <summary>
    /// Our key, in brackets, as the agenda of the Zoom meeting (the host sees it; attendees see
    /// the event page instead). It names this installation too, so a staging and a production
    /// portal sharing one Zoom user never take each other's meetings.
    /// </summary>
    string AgendaKey(MeetingEvent ev) => $"[eventportal-{tokens.Installation}-event-{ev.Id}]";
}
