using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.Events;

namespace EventPortal.Web.Meetings;

/// <summary>
/// A Teams meeting inside a calendar event of the organiser (<c>Mode=CalendarEvent</c>): Graph
/// <c>/users/{OrganiserUserId}/events</c> through the SDK, with <c>isOnlineMeeting</c>, local times in
/// the event's zone. Our key as <c>transactionId</c> makes a retried create return the event made the
/// first time, so a crash between Graph's answer and our commit never makes a second one.
/// </summary>
public sealed class TeamsCalendarEvents([FromKeyedServices(GraphUse.Meetings)] GraphServiceClient graph, IOptions<MeetingOptions> options,
    Links links, MeetingRecord record) : IMeetingProvider
{
    EventsRequestBuilder Events => graph.Users[options.Value.Teams.OrganiserUserId].Events;

    public Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct) => SaveAsync(ev, ct);

    public Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct) => SaveAsync(ev, ct);

    /// <summary>Updates the calendar event we know of, else creates it (a retry gets the same one by transactionId).</summary>
    async Task<OutboxResult> SaveAsync(MeetingEvent ev, CancellationToken ct)
    {
        var made = ev.MeetingExternalId is { } existing ? await PatchAsync(existing, ev, ct) : await PostAsync(ev, ct);
        await record.SaveReadyAsync(ev.Id, made.Id!, made.OnlineMeeting?.JoinUrl);
        return OutboxResult.Done;
    }

    public async Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct)
    {
        var doomed = ev.MeetingExternalId;
        // A create may have reached Graph and crashed before we stored its id: the same transactionId finds it.
        if (doomed is null && ev.MeetingState == MeetingState.Pending) doomed = (await PostAsync(ev, ct)).Id;
        if (doomed is null) return OutboxResult.Skipped;
        await GraphCalls.DeleteIfPresentAsync(() => Events[doomed].DeleteAsync(cancellationToken: ct));
        await record.SaveDeletedAsync(ev.Id, doomed);
        return OutboxResult.Done;
    }

    async Task<Event> PostAsync(MeetingEvent ev, CancellationToken ct)
    {
        var calendarEvent = Request(ev);
        calendarEvent.TransactionId = ev.ExternalKey;
        return await GraphCalls.RunAsync(() => Events.PostAsync(calendarEvent, cancellationToken: ct))
            ?? throw new GraphException(200, null, "POST events answered without an event", null);
    }

    /// <summary>Subject, body and times; the transactionId cannot change and is not sent.</summary>
    async Task<Event> PatchAsync(string id, MeetingEvent ev, CancellationToken ct) =>
        await GraphCalls.RunAsync(() => Events[id].PatchAsync(Request(ev), cancellationToken: ct))
        ?? throw new GraphException(200, null, $"PATCH events/{id} answered without an event", null);

    /// <summary>The title and a link to the event page as the body, so the briefing in the organiser's calendar leads back to it.</summary>
    Event Request(MeetingEvent ev)
    {
        var eventUrl = $"{links.Background()}/events/{Uri.EscapeDataString(ev.Slug)}";
        return new Event
        {
            Subject = ev.Title,
            Body = new ItemBody { ContentType = BodyType.Text, Content = $"{ev.Title}\n{eventUrl}" },
            Start = new DateTimeTimeZone { DateTime = ev.LocalTime(ev.StartsAt), TimeZone = ev.TimeZone },
            End = new DateTimeTimeZone { DateTime = ev.LocalTime(ev.EndsAt), TimeZone = ev.TimeZone },
            IsOnlineMeeting = true,
            OnlineMeetingProvider = OnlineMeetingProviderType.TeamsForBusiness,
            AllowNewTimeProposals = false,
            ResponseRequested = false,
        };
    }
}
