using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// The admin API's writes to one registration: <c>PATCH …/registrations/{id}</c> corrects it (the console's rules and
/// audit) and <c>POST …/registrations/{id}/cancel</c> cancels it (the seat to the waitlist); on SQLite and PostgreSQL.
/// </summary>
public abstract class RegistrationWritesApiTests : IAsyncLifetime
{
    PortalApp _app = null!;
    HttpClient _api = null!;
    string _slug = "";

    protected abstract Task<PortalApp> StartAsync();

    public async Task InitializeAsync()
    {
        _app = await StartAsync();
        _api = _app.Api();
        _slug = await _app.CreateEventAsync(liveSeats: 1);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    async Task<long> RegisteredAsync(string email)
    {
        using var client = _app.Client();
        await client.RegisteredAsync(_slug, email);
        return await _app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email = @email", new { email });
    }

    Task<HttpResponseMessage> PatchAsync(string path, string json) =>
        _api.SendAsync(new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        });

    static async Task<JsonElement> ErrorsOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");

    [Fact]
    public async Task A_correction_changes_only_the_fields_given_and_is_audited()
    {
        var id = await RegisteredAsync("api-fix@example.jp");

        var response = await PatchAsync($"/api/admin/events/{_slug}/registrations/{id}",
            """{"organization":"テスト町役場","category":"municipal"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());
        Assert.Equal(("山田", "テスト町役場", "municipal"), await _app.QueryOneAsync<(string, string, string)>(
            "SELECT family_name, organization, category_code FROM registrations WHERE id = @id", new { id }));
        Assert.Contains("organization: テスト市役所 → テスト町役場",
            await _app.QueryOneAsync<string>("SELECT detail FROM audit_log WHERE action = 'registration.correct'"));
        var again = await PatchAsync($"/api/admin/events/{_slug}/registrations/{id}", """{"organization":"テスト町役場"}""");
        Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());
    }

    [Theory]
    [InlineData("""{"familyName":1}""", "familyName", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"familyName":""}""", "familyName", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"reading":"Yamada"}""", "reading", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"email":"not an address"}""", "email", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"category":"nobody"}""", "category", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"answers":{"nosuch":"x"}}""", "answers", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"email":"TAKEN@example.jp"}""", "email", HttpStatusCode.Conflict)]
    public async Task A_correction_the_rules_refuse_names_the_field_and_changes_nothing(string body, string field, HttpStatusCode status)
    {
        await RegisteredAsync("taken@example.jp");
        var id = await RegisteredAsync("api-bad@example.jp");

        var response = await PatchAsync($"/api/admin/events/{_slug}/registrations/{id}", body);

        Assert.Equal(status, response.StatusCode);
        Assert.True((await ErrorsOf(response)).TryGetProperty(field, out _));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.correct'"));
        Assert.Equal("api-bad@example.jp", await _app.QueryOneAsync<string>("SELECT email FROM registrations WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task Cancelling_by_the_API_promotes_the_waitlist_and_a_second_cancel_is_a_conflict()
    {
        var first = await RegisteredAsync("api-first@example.jp");
        var second = await RegisteredAsync("api-second@example.jp");
        Assert.Equal("waitlisted", await _app.StatusAsync(second));

        var response = await _api.PostAsync($"/api/admin/events/{_slug}/registrations/{first}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cancelled", await _app.StatusAsync(first));
        Assert.Equal("confirmed", await _app.StatusAsync(second));
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.cancel'"));
        Assert.Equal(HttpStatusCode.Conflict,
            (await _api.PostAsync($"/api/admin/events/{_slug}/registrations/{first}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PatchAsync($"/api/admin/events/{_slug}/registrations/{first}",
            """{"organization":"取消後"}""")).StatusCode);
    }

    [Fact]
    public async Task Another_events_registration_and_unknown_ids_are_not_found()
    {
        var id = await RegisteredAsync("api-elsewhere@example.jp");
        var other = await _app.CreateEventAsync();

        Assert.Equal(HttpStatusCode.NotFound,
            (await _api.PostAsync($"/api/admin/events/{other}/registrations/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync($"/api/admin/events/{other}/registrations/{id}", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync($"/api/admin/events/{_slug}/registrations/999999", "{}")).StatusCode);
        Assert.Equal("confirmed", await _app.StatusAsync(id));
    }
}

public sealed class RegistrationWritesApiTestsOnSqlite : RegistrationWritesApiTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class RegistrationWritesApiTestsOnPostgres : RegistrationWritesApiTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
