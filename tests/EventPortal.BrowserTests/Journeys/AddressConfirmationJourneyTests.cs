using EventPortal.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// Double opt-in in chromium: the form leads to "check your mail" with no personal link; the link
/// in the mail, read from the real SMTP server, confirms the seat and opens the personal page.
/// Japanese on a phone, and English on a desktop with JavaScript off.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AddressConfirmationJourneyTests(BrowserFixture browser)
{
    public static TheoryData<string, int, bool> Visitors => new()
    {
        { "ja", 375, true },
        { "en", 1280, false },
    };

    [Theory, MemberData(nameof(Visitors))]
    public async Task Registrant_is_asked_to_check_their_mail_and_the_mailed_link_opens_the_confirmed_personal_page(
        string language, int width, bool javaScript)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 20, confirmAddress: true);
        await using var visitor = await browser.VisitorAsync("ja-JP", width, javaScript: javaScript);
        await visitor.GoAsync($"/events/{slug}");
        if (language != "ja") await visitor.SwitchLanguageAsync(language);
        var person = Person.Unique();

        await visitor.RegisterAndCheckMailAsync(person, language);
        await visitor.GoAsync($"/events/{slug}");
        // The held seat already counts: nobody else can take it while the mail is on its way.
        await Assertions.Expect(visitor.Page.Locator(".seats")).ToContainTextAsync(T("seats.left", language, 19, 20));
        await visitor.OpenMailedConfirmLinkAsync(browser.Smtp, person, language);

        await visitor.ExpectStatusAsync("confirmed", language);
        await Assertions.Expect(visitor.Page.Locator(".status")).ToContainTextAsync(person.Email);
        await Assertions.Expect(visitor.Page.GetByRole(AriaRole.Link, new() { Name = T("manage.calendarIcs", language) }))
            .ToBeVisibleAsync();
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }
}
