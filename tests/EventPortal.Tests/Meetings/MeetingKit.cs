using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using EventPortal.Web.Meetings;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Meetings;

/// <summary>Intent-named helpers for the meeting tests: make a provider event, queue a sync the way EventChanges does, wait for it.</summary>
public static class MeetingKit
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public sealed class EventMeeting
    {
        public long Id { get; init; }
        public string? MeetingUrl { get; init; }
        public string? MeetingExternalId { get; init; }
        public string? MeetingState { get; init; }
        public string? MeetingError { get; init; }
        public override string ToString() => $"state={MeetingState} id={MeetingExternalId} error={MeetingError}";
    }

    public sealed class OutboxState
    {
        public string Kind { get; init; } = "";
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public string? LastError { get; init; }
        public override string ToString() => $"{Kind} {Status} after {Attempts}: {LastError}";
    }

    /// <summary>Outbox settings that retry within a second, for tests.</summary>
    public static Dictionary<string, string?> Quick(Dictionary<string, string?> settings)
    {
        settings["EventPortal:Outbox:RetryBaseSeconds"] = "0.5";
        settings["EventPortal:Outbox:PollSeconds"] = "0.2";
        settings["EventPortal:PublicBaseUrl"] = "https://portal.example.jp";
        return settings;
    }

    /// <summary>A published event whose meeting is made by <paramref name="provider"/>; returns (slug, id).</summary>
    public static async Task<(string Slug, long Id)> ProviderEventAsync(this PortalApp app, string provider, DateTime? startsAt = null)
    {
        var slug = await app.CreateEventAsync(title: "成果報告会:メンタリング", startsAt: startsAt ?? new DateTime(2031, 3, 6, 3, 0, 0, DateTimeKind.Utc));
        await app.ExecuteAsync("UPDATE events SET meeting_provider = @provider WHERE slug = @slug", new { provider, slug });
        return (slug, await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug }));
    }

    /// <summary>What EventChanges does on publish, change and cancel: queue inside a write (its commit wakes the dispatcher).</summary>
    public static async Task QueueMeetingAsync(this PortalApp app, long eventId, string action, int sequence) =>
        await app.Db.WriteAsync(async (c, tx) =>
        {
            await MeetingSync.QueueAsync(c, tx, eventId, action, sequence, DateTime.UtcNow, CancellationToken.None);
            return 0;
        }, CancellationToken.None);

    public static Task<EventMeeting> MeetingAsync(this PortalApp app, long eventId) =>
        app.QueryOneAsync<EventMeeting>("SELECT id, meeting_url, meeting_external_id, meeting_state, meeting_error FROM events WHERE id = @eventId", new { eventId });

    public static Task<List<OutboxState>> MeetingRowsAsync(this PortalApp app) =>
        app.QueryAsync<OutboxState>("SELECT kind, status, attempts, last_error FROM outbox WHERE kind LIKE 'meeting.%' ORDER BY id");

    /// <summary>Polls until every meeting outbox row is finished (sent, skipped or failed).</summary>
    public static async Task<List<OutboxState>> SettledAsync(this PortalApp app)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var rows = await app.MeetingRowsAsync();
            if (rows.Count > 0 && rows.All(r => r.Status is "sent" or "skipped" or "failed")) return rows;
            Assert.True(DateTime.UtcNow < deadline, $"meeting rows not settled within {Wait.TotalSeconds} s:\n{string.Join("\n", rows)}");
            await Task.Delay(100);
        }
    }

    public static MeetingHandler Handler(this PortalApp app) =>
        app.Services.GetServices<IOutboxHandler>().OfType<MeetingHandler>().Single();

    public static Task<OutboxResult> RunDirectlyAsync(this PortalApp app, long eventId, string action) =>
        app.Handler().HandleAsync(new OutboxRow { Id = 0, Kind = MeetingSync.KindPrefix + action, EventId = eventId, Attempts = 1 }, CancellationToken.None);

    /// <summary>The public surfaces: API, event page, public calendar.</summary>
    public static async Task<string> PublicTextAsync(this PortalApp app, string slug)
    {
        using var client = app.Client();
        return string.Join("\n---\n",
            await client.GetStringAsync($"/api/events/{slug}"),
            await client.GetStringAsync($"/events/{slug}"),
            await client.GetStringAsync($"/events/{slug}/event.ics"));
    }
}
