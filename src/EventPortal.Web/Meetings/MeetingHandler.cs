using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using EventPortal.Web.Outbox;
using EventPortal.Web.Events;

namespace EventPortal.Web.Meetings;

/// <summary>
/// Works the <c>meeting.*</c> outbox rows: loads the event as it is now, checks that its meeting
/// is ours to sync, and hands the row to the provider the event names (for Teams, the configured
/// <see cref="TeamsMode"/>). Rows may run late or twice; each provider copes (see
/// <see cref="IMeetingProvider"/>), and rows of one event run one at a time on an instance.
/// A provider's error is kept for the console and becomes the outbox's retry or failure
/// (<see cref="MeetingClaim.FailAsync"/>). Join URLs, start URLs, passcodes and tokens are never
/// logged or put in an error message.
/// </summary>
public sealed class MeetingHandler(MeetingRecord record, MeetingClaim claim, IOptions<MeetingOptions> options,
    TeamsOnlineMeetings teamsMeetings, TeamsCalendarEvents teamsCalendar, TeamsWebinars teamsWebinars, ZoomMeetings zoomMeetings,
    ZoomRegistrants zoomRegistrants)
    : IOutboxHandler
{
    readonly ConcurrentDictionary<long, SemaphoreSlim> _eventGates = new();

    public string KindPrefix => MeetingSync.KindPrefix;

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        if (row.EventId is not { } eventId) throw new OutboxException($"Outbox row {row.Id} ({row.Kind}) has no event.", permanent: true);
        var action = row.Kind[KindPrefix.Length..];
        var gate = _eventGates.GetOrAdd(eventId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var ev = await record.LoadAsync(eventId, ct);
            if (ev is null || !Enum.TryParse<MeetingProvider>(ev.MeetingProvider, out var provider) || provider == MeetingProvider.Manual)
                return OutboxResult.Skipped;
            if (action != MeetingSync.Delete && ev.Status == EventStatus.Cancelled) return OutboxResult.Skipped;
            if (!Configured(provider))
                throw await claim.FailAsync(ev,
                    new MeetingFailure(400, $"{provider} is not configured ({MeetingOptions.Section}:{provider})."));
            try
            {
                return await DispatchAsync(provider, action, ev, row, ct);
            }
            catch (Exception e) when (MeetingFailure.From(e, provider, ct) is { } failure)
            {
                throw await claim.FailAsync(ev, failure);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    bool Configured(MeetingProvider provider) =>
        provider == MeetingProvider.Teams ? options.Value.Teams.Configured : options.Value.Zoom.Configured;

    Task<OutboxResult> DispatchAsync(MeetingProvider provider, string action, MeetingEvent ev, OutboxRow row, CancellationToken ct)
    {
        var meetings = Meetings(provider);
        return action switch
        {
            MeetingSync.Create => meetings.CreateAsync(ev, ct),
            MeetingSync.Update => meetings.UpdateAsync(ev, ct),
            MeetingSync.Delete => meetings.DeleteAsync(ev, ct),
            MeetingSync.Registrant when provider == MeetingProvider.Zoom => zoomRegistrants.AddAsync(ev, row, ct),
            MeetingSync.Unregister when provider == MeetingProvider.Zoom => zoomRegistrants.CancelAsync(ev, row, ct),
            MeetingSync.Registrant => teamsWebinars.AddAsync(ev, row, ct),
            MeetingSync.Unregister => teamsWebinars.RemoveAsync(ev, row, ct),
            _ => throw new OutboxException($"{provider} has no meeting action '{action}'.", permanent: true),
        };
    }

    IMeetingProvider Meetings(MeetingProvider provider) => provider switch
    {
        MeetingProvider.Zoom => zoomMeetings,
        _ when options.Value.Teams.Mode == TeamsMode.CalendarEvent => teamsCalendar,
        _ when teamsWebinars.Active => teamsWebinars,
        _ => teamsMeetings,
    };
}
