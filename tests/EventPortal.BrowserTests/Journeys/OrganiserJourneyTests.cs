using System.Text;
using EventPortal.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// The organiser's journey: sign in, create and publish an event, see a registration that a
/// member of the public makes meanwhile, and export the list for Excel; with and without JavaScript.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OrganiserJourneyTests(BrowserFixture browser)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Organiser_creates_and_publishes_an_event_sees_the_registration_and_exports_the_csv(bool javaScript)
    {
        var slug = "forum-" + Guid.NewGuid().ToString("N")[..8];
        var title = "市民活動フォーラム 成果報告会 " + slug;
        await using var organiser = await browser.VisitorAsync("ja-JP", 1280, 800, javaScript);
        await organiser.SignInAsync();
        await organiser.CreateEventAsync(title, slug);
        await organiser.PublishAsync();

        // Someone finds the new event on the public home page and registers.
        await using var registrant = await browser.VisitorAsync("ja-JP", javaScript: javaScript);
        await registrant.OpenEventFromHomeAsync(title);
        var person = Person.Unique("髙橋", "美咲", "タカハシ ミサキ") with { Organization = "NPO法人 ひだまり" };
        // The live ticket the organiser made has a capacity, so it confirms the address (the editor's default).
        await registrant.RegisterAndCheckMailAsync(person, "ja");
        await registrant.OpenMailedConfirmLinkAsync(browser.Smtp, person, "ja");
        await registrant.ExpectStatusAsync("confirmed", "ja");

        var page = organiser.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = T("adminEvent.registrations", "ja"), Exact = true }).First.ClickAsync();
        Assert.Equal($"/admin/events/{slug}/registrations", organiser.Path);
        var row = page.Locator("table.registrations tbody tr").Filter(new() { HasText = person.Email });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync($"{person.FamilyName} {person.GivenName}");
        await Assertions.Expect(row).ToContainTextAsync(person.Organization);
        await Assertions.Expect(row).ToContainTextAsync(T("status.confirmed", "ja"));

        var csv = await organiser.DownloadAsync(T("adminRegistrations.export", "ja"));
        Assert.EndsWith(".csv", csv.FileName);
        Assert.Equal("text/csv", csv.MediaType);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csv.Bytes[..3]);
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(csv.Bytes, 3, csv.Bytes.Length - 3);
        var line = Assert.Single(text.Split("\r\n"), l => l.Contains(person.Email));
        Assert.Contains(person.FamilyName, line);
        Assert.Contains(person.GivenName, line);
        Assert.Contains(person.Organization, line);

        organiser.AssertOwnOriginOnlyAndNoErrors();
        registrant.AssertOwnOriginOnlyAndNoErrors();
    }
}
