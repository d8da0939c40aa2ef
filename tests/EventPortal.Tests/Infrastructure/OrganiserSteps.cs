using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// What an organiser does to an event, through the admin API (<see cref="Organisers.Api"/>):
/// create, publish, rename, reschedule, change a capacity, cancel. Tests change events this way,
/// not with SQL, so they run the same code (and owe the same mail and meeting calls) as people do.
/// </summary>
public static class OrganiserSteps
{
    /// <summary>
    /// Creates a draft: one live ticket (capacity, waitlist and address confirmation as given; confirmed at once unless
    /// asked) and an unlimited recording ticket.
    /// </summary>
    public static async Task<string> CreateDraftAsync(
        this HttpClient api, DateTime startsAt, string provider = "Manual", int? liveSeats = 100,
        bool waitlist = true, string title = "成果報告会", TimeSpan? length = null, string? slug = null, bool confirmAddress = false)
    {
        slug ??= "ev-" + Guid.NewGuid().ToString("N")[..10];
        var created = await api.PostAsJsonAsync("/api/admin/events", new
        {
            slug, title, startsAt = Utc(startsAt), endsAt = Utc(startsAt + (length ?? TimeSpan.FromHours(1))),
            timeZone = "Asia/Tokyo", doorsOpenMinutes = 5, venue = "オンライン", meetingProvider = provider,
            ticketTypes = new object[]
            {
                new { code = "live", name = "ライブ参加", capacity = liveSeats, waitlist, confirmAddress },
                new { code = "recording", name = "録画視聴", kind = "recording" },
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created,
            $"create: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return slug;
    }

    public static Task PublishAsync(this HttpClient api, string slug) =>
        api.ExpectOkAsync(HttpMethod.Post, $"/api/admin/events/{slug}/publish");

    public static Task CancelEventAsync(this HttpClient api, string slug) =>
        api.ExpectOkAsync(HttpMethod.Post, $"/api/admin/events/{slug}/cancel");

    public static Task RenameAsync(this HttpClient api, string slug, string title) =>
        api.PatchEventAsync(slug, new JsonObject { ["title"] = title });

    public static Task RescheduleAsync(this HttpClient api, string slug, DateTime startsAt, DateTime endsAt) =>
        api.PatchEventAsync(slug, new JsonObject { ["startsAt"] = Utc(startsAt), ["endsAt"] = Utc(endsAt) });

    public static Task SetCapacityAsync(this HttpClient api, string slug, string ticket, int? capacity) =>
        api.PatchEventAsync(slug, new JsonObject
        {
            ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = ticket, ["capacity"] = capacity })
        });

    public static Task PatchEventAsync(this HttpClient api, string slug, JsonObject changes) =>
        api.ExpectOkAsync(HttpMethod.Patch, $"/api/admin/events/{slug}", changes);

    static async Task ExpectOkAsync(this HttpClient api, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var response = await api.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static string Utc(DateTime value) => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc))
        .ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
}
