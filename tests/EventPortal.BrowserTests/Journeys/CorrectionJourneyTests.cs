using EventPortal.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// A registrant corrects a typo in their name from the personal page (訂正), in chromium: the link, the form filled
/// with what they registered, a mistake named in the error summary, the saved name on the personal page and in the
/// invite; Japanese on a phone without JavaScript, English on a desktop.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CorrectionJourneyTests(BrowserFixture browser)
{
    public static TheoryData<string, int, bool> Visitors => new() { { "ja", 375, false }, { "en", 1280, true } };

    [Theory, MemberData(nameof(Visitors))]
    public async Task Registrant_corrects_a_typo_in_their_name(string language, int width, bool javaScript)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 5);
        await using var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), width, javaScript: javaScript);
        var page = visitor.Page;
        await visitor.GoAsync($"/events/{slug}");
        var person = Person.Unique();
        await visitor.RegisterAsync(person, language);
        var personal = visitor.Path;

        await page.GetByRole(AriaRole.Link, new() { Name = T("manage.correct", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#f-familyName")).ToHaveValueAsync(person.FamilyName);
        await page.Locator("#f-reading").FillAsync("Latin letters");
        await page.GetByRole(AriaRole.Button, new() { Name = T("details.save", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync(T("field.reading", language));

        await page.Locator("#f-familyName").FillAsync("訂正後");
        await page.Locator("#f-reading").FillAsync("テイセイゴ ハナコ");
        await page.GetByRole(AriaRole.Button, new() { Name = T("details.save", language), Exact = true }).ClickAsync();

        Assert.Equal(personal, visitor.Path);
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync(T("manage.correctedNow", language));
        await Assertions.Expect(page.Locator(".status"))
            .ToContainTextAsync(T("manage.nameFormat", language, "訂正後", person.GivenName));
        var invite = await visitor.DownloadAsync(T("manage.calendarIcs", language));
        Assert.Contains("訂正後", invite.Text.Replace("\r\n ", ""));
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }
}
