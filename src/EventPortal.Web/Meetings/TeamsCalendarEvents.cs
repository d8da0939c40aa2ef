using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>
/// A Teams meeting inside a calendar event of the organiser (<c>Mode=CalendarEvent</c>): Graph
/// <c>/users/{OrganiserUserId}/events</c> with <c>isOnlineMeeting</c>, local times in the event's
/// zone. Our key as <c>transactionId</c> makes a retried create return the event made the first
/// time, so a crash between Graph's answer and our commit never makes a second one.
/// </summary>
public sealed class TeamsCalendarEvents([FromKeyedServices(GraphUse.Meetings)] GraphClient graph, IOptions<MeetingOptions> options,
    Links links, MeetingRecord record) : IMeetingProvider
{
    string Organiser => options.Value.Teams.OrganiserUserId!;

    public Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct) => SaveAsync(ev, ct);

    public Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct) => SaveAsync(ev, ct);

    /// <summary>Updates the calendar event we know of, else creates it (a retry gets the same one by transactionId).</summary>
    async Task<OutboxResult> SaveAsync(MeetingEvent ev, CancellationToken ct)
    {
        var made = ev.MeetingExternalId is { } existing
            ? await graph.UpdateEventAsync(Organiser, existing, Request(ev), ct)
            : await graph.CreateEventAsync(Organiser, Request(ev), ct);
        await record.SaveReadyAsync(ev.Id, made.Id, made.OnlineMeeting?.JoinUrl);
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct)
    {
        var doomed = ev.MeetingExternalId;
        // A create may have reached Graph and crashed before we stored its id: the same transactionId finds it.
        if (doomed is null && ev.MeetingState == MeetingState.Pending)
            doomed = (await graph.CreateEventAsync(Organiser, Request(ev), ct)).Id;
        if (doomed is null) return OutboxResult.Skipped;
        await graph.DeleteEventAsync(Organiser, doomed, ct);
        await record.SaveDeletedAsync(ev.Id, doomed);
        return OutboxResult.Done;
    }

    /// <summary>The title and a link to the event page as the body, so the briefing in the organiser's calendar leads back to it.</summary>
    GraphEventRequest Request(MeetingEvent ev)
    {
        var eventUrl = $"{links.Background()}/events/{Uri.EscapeDataString(ev.Slug)}";
        return new GraphEventRequest(ev.Title, new GraphItemBody("text", $"{ev.Title}\n{eventUrl}"),
            new GraphDateTime(ev.LocalTime(ev.StartsAt), ev.TimeZone), new GraphDateTime(ev.LocalTime(ev.EndsAt), ev.TimeZone),
            ev.ExternalKey);
    }
}
