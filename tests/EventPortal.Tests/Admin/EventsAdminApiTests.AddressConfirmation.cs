using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>The per-ticket address confirmation (double opt-in) through the admin API.</summary>
public abstract partial class EventsAdminApiTests
{
    [Fact]
    public async Task Address_confirmation_is_switched_per_ticket_by_patch_and_decides_how_registrations_are_answered()
    {
        await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("opt-in", confirmAddress: null));
        await _api.PostAsync("/api/admin/events/opt-in/publish", null);
        using var visitor = _app.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await visitor.RegisterAsync("opt-in", "held@example.jp")).StatusCode);

        var patched = await SendAsync(HttpMethod.Patch, "/api/admin/events/opt-in",
            new JsonObject { ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = "live", ["confirmAddress"] = false }) });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False((await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticketTypes")[0]
            .GetProperty("confirmAddress").GetBoolean());
        await Task.Delay(1100);   // the registration path keeps an event's tickets for a second (EventQueries.FindForRegistrationAsync)
        Assert.Equal(HttpStatusCode.Created, (await visitor.RegisterAsync("opt-in", "instant@example.jp")).StatusCode);
        // A hold taken before the change runs its course; it is not confirmed by the organiser's switch.
        Assert.Equal("pending", await _app.QueryOneAsync<string>("SELECT status FROM registrations WHERE email = 'held@example.jp'"));
        var wrongType = await SendAsync(HttpMethod.Patch, "/api/admin/events/opt-in",
            new JsonObject { ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = "live", ["confirmAddress"] = "yes" }) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongType.StatusCode);
    }
}
