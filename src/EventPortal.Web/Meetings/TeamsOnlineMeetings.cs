using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.OnlineMeetings;
using Microsoft.Graph.Users.Item.OnlineMeetings.CreateOrGet;

namespace EventPortal.Web.Meetings;

/// <summary>
/// A bare Teams meeting of the organiser (<c>Mode=OnlineMeeting</c>): Graph
/// <c>/users/{OrganiserUserId}/onlineMeetings</c> through the SDK. <c>createOrGet</c> is idempotent
/// by our <c>externalId</c>, so a retry after a crash between Graph's answer and our commit gets the
/// same meeting back, never a second one.
/// </summary>
public sealed class TeamsOnlineMeetings([FromKeyedServices(GraphUse.Meetings)] GraphServiceClient graph, IOptions<MeetingOptions> options,
    MeetingRecord record) : IMeetingProvider
{
    MeetingOptions.TeamsSettings Teams => options.Value.Teams;
    OnlineMeetingsRequestBuilder Meetings => graph.Users[Teams.OrganiserUserId].OnlineMeetings;

    public async Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct)
    {
        var meeting = await CreateOrGetAsync(ev, ct);
        await record.SaveReadyAsync(ev.Id, meeting.Id!, meeting.JoinWebUrl);
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct)
    {
        var id = ev.MeetingExternalId ?? (await CreateOrGetAsync(ev, ct)).Id!;
        var meeting = await PatchAsync(id, Changes(ev), ct);
        await record.SaveReadyAsync(ev.Id, id, meeting.JoinWebUrl);
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct)
    {
        var existing = ev.MeetingExternalId;
        // A create may have reached Teams and crashed before we stored its id: createOrGet
        // finds it by our key (or makes one), so nothing is left behind.
        if (existing is null && ev.MeetingState == MeetingState.Pending) existing = (await CreateOrGetAsync(ev, ct)).Id;
        if (existing is null) return OutboxResult.Skipped;
        await GraphCalls.DeleteIfPresentAsync(() => Meetings[existing].DeleteAsync(cancellationToken: ct));
        await record.SaveDeletedAsync(ev.Id, existing);
        return OutboxResult.Done;
    }

    /// <summary>
    /// createOrGet takes the subject, the times and our key (times in UTC), not who skips the lobby:
    /// that is set by a PATCH when the meeting does not have it yet.
    /// </summary>
    async Task<OnlineMeeting> CreateOrGetAsync(MeetingEvent ev, CancellationToken ct)
    {
        var meeting = await GraphCalls.RunAsync(() => Meetings.CreateOrGet.PostAsync(new CreateOrGetPostRequestBody
        {
            Subject = ev.Title,
            StartDateTime = new DateTimeOffset(ev.StartsAt, TimeSpan.Zero),
            EndDateTime = new DateTimeOffset(ev.EndsAt, TimeSpan.Zero),
            ExternalId = ev.ExternalKey,
        }, cancellationToken: ct)) ?? throw new GraphException(200, null, "createOrGet answered without a meeting", null);
        if (Teams.LobbyBypassScope is { } scope && meeting.LobbyBypassSettings?.Scope != scope)
            meeting = await PatchAsync(meeting.Id!, new OnlineMeeting { LobbyBypassSettings = Lobby(scope) }, ct);
        return meeting;
    }

    async Task<OnlineMeeting> PatchAsync(string id, OnlineMeeting changes, CancellationToken ct) =>
        await GraphCalls.RunAsync(() => Meetings[id].PatchAsync(changes, cancellationToken: ct))
        ?? throw new GraphException(200, null, $"PATCH onlineMeetings/{id} answered without a meeting", null);

    /// <summary>Subject, times (UTC) and who skips the lobby as configured; the externalId cannot change.</summary>
    OnlineMeeting Changes(MeetingEvent ev) => new()
    {
        Subject = ev.Title,
        StartDateTime = new DateTimeOffset(ev.StartsAt, TimeSpan.Zero),
        EndDateTime = new DateTimeOffset(ev.EndsAt, TimeSpan.Zero),
        LobbyBypassSettings = Teams.LobbyBypassScope is { } scope ? Lobby(scope) : null,
    };

    static LobbyBypassSettings Lobby(LobbyBypassScope scope) => new() { Scope = scope, IsDialInBypassEnabled = false };
}
