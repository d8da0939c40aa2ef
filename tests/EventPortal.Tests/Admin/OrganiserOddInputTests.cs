using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// Text .NET refuses to normalise (noncharacters, lone surrogates) typed by a signed-in organiser:
/// a field-level refusal or a plain answer, never a 500.
/// </summary>
public sealed class OrganiserOddInputTests
{
    public static TheoryData<string> OddText => new() { "成果\uFFFE報告会", "報告\uFDD0会", "\uFFFF" };

    [Theory]
    [MemberData(nameof(OddText))]
    public async Task The_console_search_the_event_editor_and_the_API_answer_without_a_500(string odd)
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();

        var search = await browser.GetAsync($"/admin/events/{slug}/registrations?q={Uri.EscapeDataString(odd)}");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);

        var saved = await ConsoleForms.EditAsync(browser, slug, f => f["Form.Title"] = odd);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, saved.StatusCode);
        Assert.Contains("id=\"e-title\"", await saved.Content.ReadAsStringAsync());

        using var api = app.Api();
        var patched = await api.PatchAsJsonAsync($"/api/admin/events/{slug}", new { title = odd });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, patched.StatusCode);
        Assert.Contains("title", await patched.Content.ReadAsStringAsync());
        Assert.DoesNotContain(odd, await app.QueryOneAsync<string>("SELECT title FROM events WHERE slug = @slug", new { slug }));
    }
}
