using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Events;

/// <summary>
/// A speaker's optional e-mail address: set in the console's editor and through the admin API, checked by the address
/// rules with a clear message (nothing stored on a refusal), read back by organisers, and never on a public surface
/// (event page with its JSON-LD, events API, public calendar).
/// </summary>
public abstract class SpeakerAddressTests : IAsyncLifetime
{
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
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

    static JsonObject Speakers(params (string Name, string? Email)[] speakers) => new()
    {
        ["speakers"] = new JsonArray(speakers.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name, ["affiliation"] = "市役所", ["email"] = s.Email,
        }).ToArray()),
    };

    async Task<HttpResponseMessage> PatchAsync(string slug, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/admin/events/{slug}")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        return await _api.SendAsync(request);
    }

    [Fact]
    public async Task A_speakers_address_is_kept_for_organisers_and_never_shown_publicly()
    {
        var slug = await _api.CreateDraftAsync(Start);
        Assert.Equal(HttpStatusCode.OK,
            (await PatchAsync(slug, Speakers(("山田 花子", "ｈａｎａｋｏ@example.jp"), ("佐藤 一郎", null)))).StatusCode);
        await _api.PublishAsync(slug);

        using var admin = JsonDocument.Parse(await _api.GetStringAsync($"/api/admin/events/{slug}"));
        var speakers = admin.RootElement.GetProperty("speakers");
        Assert.Equal("hanako@example.jp", speakers[0].GetProperty("email").GetString()); // full-width folded as for any address
        Assert.Equal(JsonValueKind.Null, speakers[1].GetProperty("email").ValueKind);

        using var visitor = _app.Client();
        using var english = _app.Client("en");
        var publicText = string.Join("\n",
            await visitor.GetStringAsync($"/events/{slug}"), // JSON-LD included
            await english.GetStringAsync($"/events/{slug}"),
            await visitor.GetStringAsync($"/api/events/{slug}"),
            await visitor.GetStringAsync("/api/events"),
            await visitor.GetStringAsync($"/events/{slug}/event.ics"));
        Assert.Contains("山田 花子", publicText);
        Assert.DoesNotContain("hanako@", publicText);
        Assert.DoesNotContain("\"email\"", await visitor.GetStringAsync($"/api/events/{slug}"));
    }

    [Fact]
    public async Task A_malformed_speaker_address_is_refused_by_the_api_with_the_field_named_and_nothing_changes()
    {
        var slug = await _api.CreateDraftAsync(Start);
        await PatchAsync(slug, Speakers(("山田 花子", "hanako@example.jp")));

        var refused = await PatchAsync(slug, Speakers(("山田 花子", "hanako@@example"), ("佐藤 一郎", "ichiro at example.jp")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Contains("登壇者のメールアドレスの形式が正しくありません", errors.GetProperty("speakers[0].email")[0].GetString());
        Assert.True(errors.TryGetProperty("speakers[1].email", out _));
        Assert.Contains("hanako@example.jp", await _app.QueryOneAsync<string>(
            "SELECT speakers FROM events WHERE slug = @slug", new { slug }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await PatchAsync(slug, new JsonObject { ["speakers"] = new JsonArray(new JsonObject { ["name"] = "x", ["email"] = 7 }) }))
            .StatusCode);
    }

    [Fact]
    public async Task The_console_editor_sets_a_speakers_address_and_explains_a_malformed_one_in_the_readers_language()
    {
        var slug = await _api.CreateDraftAsync(Start);
        using var browser = await _app.SignedInAsync();

        var refused = await ConsoleForms.EditAsync(browser, slug, f =>
        {
            f["Form.Speakers[0].Name"] = "山田 花子";
            f["Form.Speakers[0].Email"] = "hanako@";
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("id=\"e-speakers[0].email\"", html);
        Assert.Contains("登壇者のメールアドレスの形式が正しくありません", html);
        Assert.Equal("[]", await _app.QueryOneAsync<string>("SELECT speakers FROM events WHERE slug = @slug", new { slug }));

        var saved = await ConsoleForms.EditAsync(browser, slug, f =>
        {
            f["Form.Speakers[0].Name"] = "山田 花子";
            f["Form.Speakers[0].Email"] = " hanako@example.jp ";
        });
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        var form = await ConsoleForms.FormFieldsAsync(browser, $"/admin/events/{slug}/edit");
        Assert.Equal("hanako@example.jp", form["Form.Speakers[0].Email"]);
    }
}

public sealed class SpeakerAddressTestsOnSqlite : SpeakerAddressTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class SpeakerAddressTestsOnPostgres : SpeakerAddressTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
