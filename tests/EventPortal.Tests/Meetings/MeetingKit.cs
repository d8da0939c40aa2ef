using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using EventPortal.Web.Meetings;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Meetings;

/// <summary>
/// Intent-named helpers for the meeting tests: an organiser makes, publishes, changes and cancels a provider event;
/// the tests wait for the outbox.
/// </summary>
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

    /// <summary>Outbox settings that retry within a second, and the organiser's API token, for tests.</summary>
    public static Dictionary<string, string?> Quick(Dictionary<string, string?> settings)
    {
        settings["EventPortal:Outbox:RetryBaseSeconds"] = "0.5";
        settings["EventPortal:Outbox:PollSeconds"] = "0.2";
        settings["EventPortal:PublicBaseUrl"] = "https://portal.example.jp";
        return Organisers.Bootstrap(settings);
    }

    /// <summary>
    /// A draft event whose meeting <paramref name="provider"/> makes, created by an organiser through the admin API;
    /// returns (slug, id).
    /// </summary>
    public static async Task<(string Slug, long Id)> ProviderEventAsync(this PortalApp app, string provider, DateTime? startsAt = null)
    {
        using var api = app.Api();
        var slug = await api.CreateDraftAsync(
            startsAt ?? new DateTime(2031, 3, 6, 3, 0, 0, DateTimeKind.Utc), provider, title: "成果報告会:メンタリング");
        return (slug, await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug }));
    }

    /// <summary>The organiser publishes: a Teams or Zoom event's meeting is made.</summary>
    public static Task PublishAsync(this PortalApp app, string slug) => app.AsOrganiserAsync(api => api.PublishAsync(slug));

    /// <summary>The organiser renames and moves the event (one save): the meeting follows.</summary>
    public static Task PostponeAsync(this PortalApp app, string slug, string title, DateTime startsAt, DateTime endsAt) =>
        app.AsOrganiserAsync(api => api.PatchEventAsync(slug, new System.Text.Json.Nodes.JsonObject
        {
            ["title"] = title, ["startsAt"] = OrganiserSteps.Utc(startsAt), ["endsAt"] = OrganiserSteps.Utc(endsAt),
        }));

    /// <summary>The organiser cancels the event: its meeting is deleted.</summary>
    public static Task CancelEventAsync(this PortalApp app, string slug) => app.AsOrganiserAsync(api => api.CancelEventAsync(slug));

    static async Task AsOrganiserAsync(this PortalApp app, Func<HttpClient, Task> step)
    {
        using var api = app.Api();
        await step(api);
    }

    public static Task<EventMeeting> MeetingAsync(this PortalApp app, long eventId) =>
        app.QueryOneAsync<EventMeeting>(
            "SELECT id, meeting_url, meeting_external_id, meeting_state, meeting_error FROM events WHERE id = @eventId",
            new { eventId });

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

    /// <summary>Polls until <paramref name="probe"/> finds something and every meeting outbox row is finished.</summary>
    public static async Task<T> WaitAsync<T>(Func<T?> probe, PortalApp app)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            if (probe() is { } found && (await app.MeetingRowsAsync()).All(r => r.Status is "sent" or "skipped" or "failed")) return found;
            Assert.True(DateTime.UtcNow < deadline, string.Join("\n", await app.MeetingRowsAsync()));
            await Task.Delay(100);
        }
    }

    public static MeetingHandler Handler(this PortalApp app) =>
        app.Services.GetServices<IOutboxHandler>().OfType<MeetingHandler>().Single();

    public static Task<OutboxResult> RunDirectlyAsync(this PortalApp app, long eventId, string action) =>
        app.Handler().HandleAsync(
            new OutboxRow { Id = 0, Kind = MeetingSync.KindPrefix + action, EventId = eventId, Attempts = 1 }, CancellationToken.None);

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
