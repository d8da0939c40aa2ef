using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>
/// A bare Teams meeting of the organiser (<c>Mode=OnlineMeeting</c>): Graph
/// <c>/users/{OrganiserUserId}/onlineMeetings</c>. <c>createOrGet</c> is idempotent by our
/// <c>externalId</c>, so a retry after a crash between Graph's answer and our commit gets the same
/// meeting back, never a second one.
/// </summary>
public sealed class TeamsOnlineMeetings([FromKeyedServices(GraphUse.Meetings)] GraphClient graph, IOptions<MeetingOptions> options,
    MeetingRecord record) : IMeetingProvider
{
    MeetingOptions.TeamsSettings Teams => options.Value.Teams;
    string Organiser => Teams.OrganiserUserId!;

    public async Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct)
    {
        var meeting = await graph.CreateOrGetOnlineMeetingAsync(Organiser, Request(ev), ct);
        await record.SaveReadyAsync(ev.Id, meeting.Id, meeting.JoinWebUrl);
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct)
    {
        var request = Request(ev);
        var id = ev.MeetingExternalId ?? (await graph.CreateOrGetOnlineMeetingAsync(Organiser, request, ct)).Id;
        var meeting = await graph.UpdateOnlineMeetingAsync(Organiser, id, request, ct);
        await record.SaveReadyAsync(ev.Id, id, meeting.JoinWebUrl);
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct)
    {
        var existing = ev.MeetingExternalId;
        // A create may have reached Teams and crashed before we stored its id: createOrGet
        // finds it by our key (or makes one), so nothing is left behind.
        if (existing is null && ev.MeetingState == MeetingState.Pending)
            existing = (await graph.CreateOrGetOnlineMeetingAsync(Organiser, Request(ev), ct)).Id;
        if (existing is null) return OutboxResult.Skipped;
        await graph.DeleteOnlineMeetingAsync(Organiser, existing, ct);
        await record.SaveDeletedAsync(ev.Id, existing);
        return OutboxResult.Done;
    }

    /// <summary>Times in UTC; our key as <c>externalId</c>; who skips the lobby as configured.</summary>
    OnlineMeetingRequest Request(MeetingEvent ev) => new(ev.Title,
        new DateTimeOffset(ev.StartsAt, TimeSpan.Zero), new DateTimeOffset(ev.EndsAt, TimeSpan.Zero), ev.ExternalKey,
        string.IsNullOrWhiteSpace(Teams.LobbyBypass) ? null : new LobbyBypassSettings(Teams.LobbyBypass));
}
