using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// <c>POST /api/admin/events/{slug}/registrations</c>: staff entries through the admin API (an office's phone or FAX
/// applications recorded in kintone or similar), with the console's rules; on SQLite and PostgreSQL.
/// </summary>
public abstract class StaffEntryApiTests : IAsyncLifetime
{
    PortalApp _app = null!;
    HttpClient _api = null!;
    string _slug = "";

    protected abstract Task<PortalApp> StartAsync();

    public async Task InitializeAsync()
    {
        _app = await StartAsync();
        _api = _app.Api();
        _slug = await _app.CreateEventAsync(liveSeats: 1, confirmAddress: true);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    Task<HttpResponseMessage> AddAsync(string json, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/events/{_slug}/registrations")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return _api.SendAsync(request);
    }

    const string ByPhone =
        """{"familyName":"電話","givenName":"花子","organization":"町役場","ticketType":"live","consent":true,"channel":"phone"}""";

    [Fact]
    public async Task Without_an_address_the_person_is_confirmed_at_once_gets_a_personal_link_and_nothing_is_mailed()
    {
        var response = await AddAsync(ByPhone);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("confirmed", body.GetProperty("status").GetString());
        var manage = new Uri(body.GetProperty("manageUrl").GetString()!).AbsolutePath;
        using var person = _app.Client();
        Assert.Equal(HttpStatusCode.OK, (await person.GetAsync(manage)).StatusCode);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal(("phone", ""), await _app.QueryOneAsync<(string, string)>(
            "SELECT channel, email FROM registrations WHERE id = @id", new { id }));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE registration_id = @id", new { id }));
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.staff_entry'"));
    }

    [Fact]
    public async Task A_draft_event_is_found_by_staff_refused_as_not_on_sale_and_its_registrations_can_still_be_corrected()
    {
        var draft = await _app.CreateEventAsync(liveSeats: 5, status: "draft");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/events/{draft}/registrations")
        {
            Content = new StringContent(ByPhone, Encoding.UTF8, "application/json"),
        };
        var refused = await _api.SendAsync(request);
        // Staff follow the sales window as the form does: the draft is found (not a 404) and the reason given.
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("このチケットは現在申し込みを受け付けていません。",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));

        // An event taken back to draft after people registered: staff still correct their details.
        var added = await AddAsync(ByPhone);
        var id = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await _app.ExecuteAsync("UPDATE events SET status = 'draft' WHERE slug = @slug", new { slug = _slug });
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/admin/events/{_slug}/registrations/{id}")
        {
            Content = new StringContent("""{"organization":"町役場 福祉課"}""", Encoding.UTF8, "application/json"),
        };
        var corrected = await _api.SendAsync(patch);
        Assert.True(corrected.StatusCode == HttpStatusCode.OK, await corrected.Content.ReadAsStringAsync());
        Assert.Equal("町役場 福祉課", await _app.QueryOneAsync<string>("SELECT organization FROM registrations WHERE id = @id", new { id }));
        using var visitor = _app.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/events/{_slug}")).StatusCode);
    }

    [Fact]
    public async Task A_retried_request_with_the_same_key_registers_the_person_once_and_the_seat_rules_hold()
    {
        var first = await AddAsync(ByPhone, key: "kintone-42");
        var again = await AddAsync(ByPhone, key: "kintone-42");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var repeat = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(repeat.GetProperty("repeated").GetBoolean());
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(firstId, repeat.GetProperty("id").GetInt64());
        var second = await AddAsync(ByPhone.Replace("電話", "FAX"));   // the one seat is taken: the waitlist
        Assert.Equal("waitlisted", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(2, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    [Theory]
    [InlineData("""{"familyName":"電","givenName":"花","organization":"町","ticketType":"live","consent":true,"channel":"mail"}""", "channel")]
    [InlineData("""{"familyName":"電","givenName":"花","organization":"町","ticketType":"live","consent":false}""", "consent")]
    [InlineData("""{"familyName":"電","givenName":"花","organization":"町","ticketType":"vip","consent":true}""", "ticketType")]
    [InlineData("""{"familyName":"電","givenName":"花","organization":"町","ticketType":"live","consent":true,"language":"fr"}""", "language")]
    public async Task A_refused_entry_names_the_field_and_registers_nobody(string json, string field)
    {
        var response = await AddAsync(json);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }
}

public sealed class StaffEntryApiTestsOnSqlite : StaffEntryApiTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class StaffEntryApiTestsOnPostgres : StaffEntryApiTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
