using EventPortal.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// The registrant's main journey, end to end in chromium: home page → event page → form →
/// personal page → the calendar invite → cancel, and the seat back on the event page.
/// Japanese on a phone, the same with JavaScript off, and English (through the visible
/// language switch) on a desktop.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RegistrationJourneyTests(BrowserFixture browser)
{
    public static TheoryData<string, int, bool> Visitors => new()
    {
        { "ja", 375, true },
        { "ja", 375, false },
        { "en", 1280, true },
    };

    [Theory, MemberData(nameof(Visitors))]
    public async Task Registrant_takes_a_live_seat_downloads_the_invite_and_cancels(string language, int width, bool javaScript)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 20);
        await using var visitor = await browser.VisitorAsync("ja-JP", width, javaScript: javaScript);
        var page = visitor.Page;

        await visitor.OpenEventFromHomeAsync(EventTitle(slug));
        if (language != "ja") await visitor.SwitchLanguageAsync(language);
        Assert.Equal(language, await visitor.LanguageAsync());
        await Assertions.Expect(page.Locator(".seats")).ToContainTextAsync(T("seats.left", language, 20, 20));

        var person = Person.Unique();
        await visitor.RegisterAsync(person, language);
        Assert.StartsWith("/r/", visitor.Path);
        Assert.Equal(language, await visitor.LanguageAsync());
        await visitor.ExpectStatusAsync("confirmed", language);
        await Assertions.Expect(page.Locator(".status"))
            .ToContainTextAsync(T("manage.nameFormat", language, person.FamilyName, person.GivenName));
        await Assertions.Expect(page.Locator(".status")).ToContainTextAsync(person.Email);

        var invite = await visitor.DownloadAsync(T("manage.calendarIcs", language));
        Assert.EndsWith(".ics", invite.FileName);
        Assert.Equal("text/calendar", invite.MediaType);
        Assert.Contains("METHOD:REQUEST\r\n", invite.Text);
        Assert.Contains("BEGIN:VEVENT\r\n", invite.Text);
        Assert.Contains("END:VEVENT\r\n", invite.Text);

        var personalPage = visitor.Path;
        await visitor.GoAsync($"/events/{slug}");
        await Assertions.Expect(page.Locator(".seats")).ToContainTextAsync(T("seats.left", language, 19, 20));
        await visitor.GoAsync(personalPage);

        await visitor.CancelAsync(language);
        await visitor.GoAsync($"/events/{slug}");
        await Assertions.Expect(page.Locator(".seats")).ToContainTextAsync(T("seats.left", language, 20, 20));
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }

    static string EventTitle(string slug) => "テスト説明会 " + slug;
}
