using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.KeyboardSteps;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Accessibility;

/// <summary>
/// The registration form by keyboard alone (Tab, typing, Space, Enter; no mouse, no
/// Playwright fill): a first attempt with nothing filled in lands on the error summary,
/// its links lead to the fields, the fields name their errors, and the second attempt
/// registers. Every element Tab reaches shows a visible focus outline.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyboardTests(BrowserFixture browser)
{
    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Registration_form_works_by_keyboard_alone(string language)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 10);
        await using var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), 375);
        var page = visitor.Page;
        await visitor.GoAsync($"/events/{slug}");
        await PageChecks.AssertLanguageAsync(page, language);

        // First Tab: the skip link, on screen while focused.
        var first = await TabAsync(page);
        Assert.Equal(T("layout.skip", language), first.Text);

        // Through the whole page to the submit button without typing anything, then Enter.
        await TabUntilAsync(page, f => f.Tag == "button" && f.Type == "submit", _ => Task.CompletedTask);
        Assert.Equal(
            $"/events/{slug}/register",
            await page.EvaluateAsync<string>("() => new URL(document.activeElement.form.action).pathname"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync($"**/events/{slug}/register");

        // The error summary has the focus; each of its links points at a field that names the same error.
        var summary = page.Locator(".error-summary");
        await Assertions.Expect(summary).ToBeFocusedAsync();
        await Assertions.Expect(summary).ToBeInViewportAsync();
        await Assertions.Expect(summary.GetByRole(AriaRole.Heading)).ToBeVisibleAsync();
        var targets = await summary.Locator("a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        Assert.Contains("#f-familyName", targets);
        Assert.Contains("#f-email", targets);
        Assert.Contains("#f-consent", targets);
        var fieldOrder = await page.Locator("[id^='f-']").EvaluateAllAsync<string[]>("fields => fields.map(f => '#' + f.id)");
        Assert.Equal(fieldOrder.Where(targets.Contains), targets);   // the summary reads in the form's order
        foreach (var target in targets)
        {
            var field = page.Locator(target);
            await Assertions.Expect(field).ToHaveCountAsync(1);
            var describedBy = (await field.GetAttributeAsync("aria-describedby") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var errorId = Assert.Single(describedBy, id => id.StartsWith("e-"));
            await Assertions.Expect(page.Locator($"#{errorId}")).ToHaveClassAsync("field-error");
            await Assertions.Expect(page.Locator($"#{errorId}")).Not.ToBeEmptyAsync();
            if (await field.EvaluateAsync<string>("e => e.tagName") == "INPUT")
                await Assertions.Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
        }

        // Tab from the summary to its first link; Enter jumps to that field.
        var link = await TabAsync(page);
        Assert.Equal("a", link.Tag);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#f-familyName")).ToBeFocusedAsync();

        // Now fill the form from there: type into text fields, Space on the first choice of each group and on the consent box.
        var email = $"{Guid.NewGuid():N}@example.jp";
        var typed = new Dictionary<string, string>
        {
            ["familyName"] = "山田", ["givenName"] = "花子", ["reading"] = "やまだ はなこ",
            ["email"] = email, ["emailConfirmation"] = email, ["organization"] = "みどり市 市民協働課",
        };
        await page.Keyboard.TypeAsync(typed["familyName"]);
        typed.Remove("familyName");
        await TabUntilAsync(page, f => f.Tag == "button" && f.Type == "submit", async f =>
        {
            if (f.Tag == "input" && typed.Remove(f.Name, out var text)) await page.Keyboard.TypeAsync(text);
            else if (f.Type is "radio" or "checkbox") await page.Keyboard.PressAsync("Space");
        });
        Assert.Empty(typed);
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync("**/r/*");
        await visitor.ExpectStatusAsync("confirmed", language);
        await Assertions.Expect(page.Locator(".status")).ToContainTextAsync(T("manage.nameFormat", language, "山田", "花子"));
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }

    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Survey_form_works_by_keyboard_alone(string language)
    {
        var slug = browser.DemoSlug;
        var manage = await browser.App.Client().ConfirmedRegistrationAsync(browser.Smtp, slug, $"{Guid.NewGuid():N}@example.jp");
        await browser.App.ExecuteAsync("UPDATE surveys SET status = 'open'");
        await using var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), 375);
        var page = visitor.Page;
        await visitor.GoAsync(manage.Replace("/r/", "/s/"));

        // Straight to the button, Enter: the required questions are named in the summary, which has the focus.
        await TabUntilAsync(page, f => f.Tag == "button" && f.Type == "submit", _ => Task.CompletedTask);
        await page.Keyboard.PressAsync("Enter");
        var summary = page.Locator(".error-summary");
        await Assertions.Expect(summary).ToBeFocusedAsync();
        Assert.Equal(2, await summary.Locator("a").CountAsync());
        // Its first link leads into the first question's choices.
        var link = await TabAsync(page);
        Assert.Equal("a", link.Tag);
        await page.Keyboard.PressAsync("Enter");
        var first = await FocusedAsync(page);
        Assert.Equal("radio", first.Type);

        // Space on the first choice of each group and box, a comment typed, Enter on the button.
        await page.Keyboard.PressAsync("Space");
        await TabUntilAsync(page, f => f.Tag == "button" && f.Type == "submit", async f =>
        {
            if (f.Type is "radio" or "checkbox") await page.Keyboard.PressAsync("Space");
            else if (f.Tag == "textarea") await page.Keyboard.TypeAsync("とても参考になりました");
        });
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".notice-info")).ToContainTextAsync(T("survey.saved", language)[..10]);
        var answers = await browser.App.QueryOneAsync<string>(
            "SELECT answers FROM survey_responses WHERE registration_id = (SELECT MAX(id) FROM registrations)");
        Assert.Contains("とても参考になりました", answers);
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }
}
