using Microsoft.Extensions.Options;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>
/// Each confirmed live registrant's own Zoom join link (<c>RegistrantLinks=true</c>, and always for webinars), added once the
/// meeting exists and withdrawn at Zoom when the registrant no longer holds a live seat, so their
/// link stops working (who is entitled: <see cref="PersonalRegistrants"/>).
/// </summary>
public sealed class ZoomRegistrants(ZoomClient zoom, IOptions<MeetingOptions> options, PersonalRegistrants registrants)
{
    public Task<OutboxResult> AddAsync(MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        if (!options.Value.Zoom.PersonalLinks || row.RegistrationId is not { } registrationId) return Task.FromResult(OutboxResult.Skipped);
        // The meeting is not made yet: its creation queues every confirmed registrant again.
        if (ev.ZoomMeetingId is not { } id) return Task.FromResult(OutboxResult.Skipped);
        return registrants.AddAsync(registrationId, async person =>
            {
                var added = await zoom.AddRegistrantAsync(id, new ZoomRegistrantRequest(person.Email, person.GivenName, person.FamilyName),
                    ct);
                return new ProviderRegistrant(added.RegistrantId, added.JoinUrl);
            },
            (registrantId, email) => zoom.CancelRegistrantAsync(id, registrantId, email, CancellationToken.None), ct);
    }

    /// <summary>
    /// A registrant who cancelled or moved to the recording ticket is cancelled at Zoom too, so
    /// their own join link stops working; skipped when they are entitled again by the time this runs.
    /// </summary>
    public Task<OutboxResult> CancelAsync(MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        if (row.RegistrationId is not { } registrationId || ev.ZoomMeetingId is not { } id || ev.MeetingState == MeetingState.Deleted)
            return Task.FromResult(OutboxResult.Skipped);
        return registrants.CancelAsync(registrationId,
            (registrantId, email) => zoom.CancelRegistrantAsync(id, registrantId, email, ct), ct);
    }
}
