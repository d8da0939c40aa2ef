using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>The organiser JSON API for events: <c>/api/admin/events…</c> with a bearer token, on SQLite and on PostgreSQL.</summary>
public abstract partial class EventsAdminApiTests : IAsyncLifetime
{
    PortalApp _app = null!;
    HttpClient _api = null!;

    protected abstract Task<PortalApp> StartAsync();

    public async Task InitializeAsync()
    {
        _app = await StartAsync();
        _api = _app.Api();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// An event with a 2-seat live ticket. Its seats confirm at once unless <paramref name="confirmAddress"/> says otherwise
    /// (null: the API's default, double opt-in for a ticket with a capacity): these tests are about what organisers change.
    /// </summary>
    static JsonObject NewEvent(string slug, bool? confirmAddress = false) => new()
    {
        ["slug"] = slug,
        ["title"] = "API で作った説明会",
        ["summary"] = "概要",
        ["startsAt"] = "2030-03-06T12:00:00+09:00",
        ["endsAt"] = "2030-03-06T13:00:00+09:00",
        ["timeZone"] = "Asia/Tokyo",
        ["doorsOpenMinutes"] = 5,
        ["venue"] = "オンライン(Zoom)",
        ["meetingProvider"] = "Manual",
        ["meetingUrl"] = "https://zoom.example/j/123456789?pwd=secret",
        ["ticketTypes"] = new JsonArray(
            confirmAddress is { } confirm
                ? new JsonObject
                {
                    ["code"] = "live", ["name"] = "ライブ参加", ["nameEn"] = "Live", ["capacity"] = 2, ["waitlist"] = true,
                    ["confirmAddress"] = confirm,
                }
                : new JsonObject { ["code"] = "live", ["name"] = "ライブ参加", ["nameEn"] = "Live", ["capacity"] = 2, ["waitlist"] = true },
            new JsonObject { ["code"] = "recording", ["name"] = "録画視聴", ["kind"] = "recording" }),
        ["categories"] = new JsonArray(new JsonObject { ["code"] = "municipal", ["name"] = "自治体職員", ["nameEn"] = "Municipal staff" }),
    };

    Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode body) =>
        _api.SendAsync(new HttpRequestMessage(method, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json")
        });

    static async Task<JsonElement> ErrorsOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
    }

    [Fact]
    public async Task Create_is_a_draft_with_a_location_and_publish_makes_it_public_without_the_meeting_URL()
    {
        var created = await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("api-made", confirmAddress: null));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/admin/events/api-made", created.Headers.Location!.OriginalString);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("draft", body.GetProperty("status").GetString());
        Assert.Equal("2030-03-06T03:00:00+00:00", body.GetProperty("startsAt").GetString());
        Assert.Equal("https://zoom.example/j/123456789?pwd=secret", body.GetProperty("meetingUrl").GetString());
        Assert.Equal(2, body.GetProperty("ticketTypes")[0].GetProperty("capacity").GetInt32());
        Assert.Equal("recording", body.GetProperty("ticketTypes")[1].GetProperty("kind").GetString());
        // Double opt-in by default where there are seats to drain; the unlimited recording ticket confirms at once.
        Assert.True(body.GetProperty("ticketTypes")[0].GetProperty("confirmAddress").GetBoolean());
        Assert.False(body.GetProperty("ticketTypes")[1].GetProperty("confirmAddress").GetBoolean());
        Assert.Contains("\"api-made\"", await _api.GetStringAsync("/api/admin/events"));
        using var visitor = _app.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync("/api/events/api-made")).StatusCode);

        var published = await _api.PostAsync("/api/admin/events/api-made/publish", null);

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("published", (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        foreach (var path in new[] { "/api/events/api-made", "/api/events", "/events/api-made", "/events/api-made/event.ics" })
            Assert.DoesNotContain("zoom.example", await visitor.GetStringAsync(path));
        Assert.Equal(["event.create", "event.publish"], await _app.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE target = 'api-made' AND actor = 'api:bootstrap' ORDER BY id"));
    }

    [Fact]
    public async Task Validation_errors_name_each_field()
    {
        var body = NewEvent("Not A Slug");
        body.Remove("title");
        body["startsAt"] = "2030-03-06T12:00:00";            // no offset
        body["doorsOpenMinutes"] = "five";
        body["meetingUrl"] = "http://zoom.example/j/1";
        body["ticketTypes"]![0]!["capacity"] = -1;
        body["ticketTypes"]![1]!["code"] = "live";
        body["categories"] = "municipal";

        var errors = await ErrorsOf(await SendAsync(HttpMethod.Post, "/api/admin/events", body));

        foreach (var field in new[]
        {
            "slug", "title", "startsAt", "doorsOpenMinutes", "meetingUrl", "ticketTypes[0].capacity", "ticketTypes[1].code", "categories"
        })
            Assert.True(
                errors.TryGetProperty(field, out var messages) && messages[0].GetString()!.Length > 0,
                $"no error for {field}: {errors}");

        var backwards = NewEvent("backwards");
        backwards["endsAt"] = "2030-03-06T11:00:00+09:00";
        Assert.True((await ErrorsOf(await SendAsync(HttpMethod.Post, "/api/admin/events", backwards))).TryGetProperty("endsAt", out _));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task Broken_requests_get_the_right_status()
    {
        Assert.Equal(
            HttpStatusCode.UnsupportedMediaType,
            (await _api.PostAsync(
                "/api/admin/events", new StringContent("slug=x", Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);
        Assert.Equal(
            HttpStatusCode.BadRequest,
            (await _api.PostAsync("/api/admin/events", new StringContent("{\"slug\":", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(
            HttpStatusCode.BadRequest,
            (await _api.PostAsync("/api/admin/events", new StringContent("[]", Encoding.UTF8, "application/json"))).StatusCode);
        var huge = NewEvent("huge");
        huge["description"] = new string('x', 70 * 1024);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(HttpMethod.Post, "/api/admin/events", huge)).StatusCode);
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await SendAsync(HttpMethod.Patch, "/api/admin/events/nope", new JsonObject { ["title"] = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.PostAsync("/api/admin/events/nope/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/admin/events/nope")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("twice"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("twice"))).StatusCode);

        using var anonymous = _app.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/events")).StatusCode);
        using var wrong = _app.Api("not-the-token-0123456789abcdefghijklmnop");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsJsonAsync("/api/admin/events", new { slug = "x" })).StatusCode);
    }

    [Fact]
    public async Task Patch_of_the_title_tells_nobody_but_a_new_time_raises_SEQUENCE_and_queues_one_update_per_active_registration()
    {
        await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("moving"));
        await _api.PostAsync("/api/admin/events/moving/publish", null);
        using var client = _app.Client();
        await client.RegisteredAsync("moving", "m1@example.jp");
        await client.RegisteredAsync("moving", "m2@example.jp");
        await client.RegisteredAsync("moving", "m3@example.jp");                 // waitlisted
        var gone = await client.RegisteredAsync("moving", "m4@example.jp", "recording");
        using (var visitor = _app.Browser()) await visitor.CancelAsync(gone);
        var before = await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind <> 'mail.reminder'");

        var renamed = await SendAsync(HttpMethod.Patch, "/api/admin/events/moving", new JsonObject { ["title"] = "名前だけ変更" });

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(0, (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sequence").GetInt32());
        Assert.Equal(before, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind <> 'mail.reminder'"));

        var moved = await SendAsync(HttpMethod.Patch, "/api/admin/events/moving", new JsonObject
        {
            ["startsAt"] = "2030-03-07T12:00:00+09:00", ["endsAt"] = "2030-03-07T13:30:00+09:00",
        });

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var body = await moved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("sequence").GetInt32());
        Assert.Equal("2030-03-07T03:00:00+00:00", body.GetProperty("startsAt").GetString());
        Assert.Equal(["update:1:1", "update:2:1", "update:3:1"], await _app.QueryAsync<string>(
            "SELECT dedupe_key FROM outbox WHERE kind = 'mail.event_updated' ORDER BY registration_id"));
        // The reminders follow the new start: the one an hour before is now due at 02:00 UTC on the 7th.
        Assert.Contains(
            new DateTime(2030, 3, 7, 2, 0, 0),
            await _app.QueryAsync<DateTime>("SELECT due_at FROM outbox WHERE kind = 'plan.reminder' AND status = 'queued'"));

        var venue = await SendAsync(HttpMethod.Patch, "/api/admin/events/moving", new JsonObject { ["venue"] = "市民会館 大ホール" });
        Assert.Equal(2, (await venue.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sequence").GetInt32());
        Assert.Equal(6, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.event_updated'"));
        Assert.Equal(3, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'event.update' AND actor = 'api:bootstrap'"));
    }

    [Fact]
    public async Task Capacity_changes_by_patch_promote_the_waitlist_and_refuse_going_below_the_seats_taken()
    {
        await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("seats"));
        await _api.PostAsync("/api/admin/events/seats/publish", null);
        using var client = _app.Client();
        foreach (var who in new[] { "s1", "s2", "s3", "s4" }) await client.RegisteredAsync("seats", $"{who}@example.jp");

        var lower = await SendAsync(HttpMethod.Patch, "/api/admin/events/seats", new JsonObject
        {
            ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = "live", ["capacity"] = 1 }),
        });
        var errors = await ErrorsOf(lower);
        Assert.Contains("2", errors.GetProperty("ticketTypes[0].capacity")[0].GetString());

        var raised = await SendAsync(HttpMethod.Patch, "/api/admin/events/seats", new JsonObject
        {
            ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = "live", ["capacity"] = 3 }),
        });
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        var live = (await raised.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticketTypes")[0];
        Assert.Equal((3, 3, 1, "ライブ参加"), (live.GetProperty("capacity").GetInt32(), live.GetProperty("taken").GetInt32(),
            live.GetProperty("waitlisted").GetInt32(), live.GetProperty("name").GetString()));
        Assert.Equal("confirmed", await _app.QueryOneAsync<string>(
            "SELECT status FROM registrations WHERE email_normalized = 's3@example.jp'"));
        Assert.Equal("waitlisted", await _app.QueryOneAsync<string>(
            "SELECT status FROM registrations WHERE email_normalized = 's4@example.jp'"));
        Assert.Equal(2, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE e.slug = 'seats'"));
    }

    [Fact]
    public async Task Cancel_queues_one_cancellation_per_active_registration_and_freezes_the_event()
    {
        await SendAsync(HttpMethod.Post, "/api/admin/events", NewEvent("called-off"));
        await _api.PostAsync("/api/admin/events/called-off/publish", null);
        using var client = _app.Client();
        await client.RegisteredAsync("called-off", "c1@example.jp");
        await client.RegisteredAsync("called-off", "c2@example.jp", "recording");
        var gone = await client.RegisteredAsync("called-off", "c3@example.jp", "recording");
        using (var visitor = _app.Browser()) await visitor.CancelAsync(gone);

        var cancelled = await _api.PostAsync("/api/admin/events/called-off/cancel", null);
        var again = await _api.PostAsync("/api/admin/events/called-off/cancel", null);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await cancelled.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("cancelled", 1), (body.GetProperty("status").GetString(), body.GetProperty("sequence").GetInt32()));
        Assert.Equal(["event-cancel:1", "event-cancel:2"], await _app.QueryAsync<string>(
            "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'event-cancel:%' ORDER BY registration_id"));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.reminder' AND status = 'queued'"));
        Assert.Equal(
            HttpStatusCode.Conflict,
            (await SendAsync(HttpMethod.Patch, "/api/admin/events/called-off", new JsonObject { ["title"] = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _api.PostAsync("/api/admin/events/called-off/publish", null)).StatusCode);
    }

    [Fact]
    public async Task Questions_set_through_the_API_are_asked_and_enforced()
    {
        var body = NewEvent("asked");
        body["questions"] = new JsonArray(
            new JsonObject { ["code"] = "dept", ["label"] = "ご所属の部署", ["labelEn"] = "Department", ["required"] = true });
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/admin/events", body)).StatusCode);
        await _api.PostAsync("/api/admin/events/asked/publish", null);

        using var client = _app.Client();
        Assert.Contains("ご所属の部署", await client.GetStringAsync("/events/asked"));
        var missing = await client.RegisterAsync("asked", "q1@example.jp");
        Assert.True((await ErrorsOf(missing)).TryGetProperty("answers.dept", out _));
        var answered = await client.PostAsJsonAsync("/api/events/asked/registrations", new
        {
            familyName = "山田", givenName = "花子", email = "q2@example.jp", organization = "市", ticketType = "live", consent = true,
            answers = new { dept = "福祉課" },
        });
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);

        var cleared = await SendAsync(HttpMethod.Patch, "/api/admin/events/asked", new JsonObject { ["questions"] = new JsonArray() });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(0, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("questions").GetArrayLength());
    }
}

public sealed class EventsAdminApiTestsOnSqlite : EventsAdminApiTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class EventsAdminApiTestsOnPostgres : EventsAdminApiTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
