using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// A full event: the next registrant is waitlisted, and their personal page shows the seat
/// once the person holding it cancels on theirs. Two people, two browser contexts.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WaitlistJourneyTests(BrowserFixture browser)
{
    public static TheoryData<string, int, bool> Visitors => new()
    {
        { "ja", 375, true },
        { "en", 1280, false },
    };

    [Theory, MemberData(nameof(Visitors))]
    public async Task Registrant_on_the_waitlist_is_promoted_when_the_seat_holder_cancels(string language, int width, bool javaScript)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 1, waitlist: true);
        await using var holder = await browser.VisitorAsync("ja-JP", javaScript: javaScript);
        await holder.GoAsync($"/events/{slug}");
        await holder.RegisterAsync(Person.Unique("佐藤", "一郎", "サトウ イチロウ"), "ja");
        await holder.ExpectStatusAsync("confirmed", "ja");

        await using var waiting = await browser.VisitorAsync("ja-JP", width, javaScript: javaScript);
        await waiting.GoAsync($"/events/{slug}");
        if (language != "ja") await waiting.SwitchLanguageAsync(language);
        await Assertions.Expect(waiting.Page.Locator(".seats")).ToContainTextAsync(T("seats.fullWaitlist", language));
        await Assertions.Expect(waiting.Page.Locator("label:has(input[name=ticketType][value=live]) .badge"))
            .ToHaveTextAsync(T("seats.waitlistOnly", language));
        await waiting.RegisterAsync(Person.Unique("鈴木", "二郎", "スズキ ジロウ"), language);
        await waiting.ExpectStatusAsync("waitlisted", language);
        var waitingPage = waiting.Path;

        await holder.CancelAsync("ja");

        await waiting.GoAsync(waitingPage);
        await waiting.ExpectStatusAsync("confirmed", language);
        var seats = await browser.App.QueryOneAsync<long>(
            "SELECT COUNT(*) FROM seats s JOIN ticket_types t ON t.id = s.ticket_type_id JOIN events e ON e.id = t.event_id " +
            "WHERE e.slug = @slug AND t.code = 'live' AND s.registration_id IS NOT NULL", new { slug });
        Assert.Equal(1, seats);
        holder.AssertOwnOriginOnlyAndNoErrors();
        waiting.AssertOwnOriginOnlyAndNoErrors();
    }
}
