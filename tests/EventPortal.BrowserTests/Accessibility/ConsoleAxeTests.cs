using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Accessibility;

/// <summary>
/// axe on every page of the organiser console (each GET handler of every page under Admin/, found
/// in the app's route table, so a new page fails <see cref="Every_console_page_is_audited"/> until
/// it is listed here), in Japanese and English, on a phone and a desktop: no serious or critical
/// violation, a label on every control, no inline style or script.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleAxeTests(BrowserFixture browser)
{
    public static TheoryData<string, int> Views => new() { { "ja", 390 }, { "ja", 1280 }, { "en", 390 }, { "en", 1280 } };

    /// <summary>Console GET handlers that show no page of their own, with the reason.</summary>
    static readonly Dictionary<string, string> NotPages = new()
    {
        ["/Admin/IndexPage GET "] = "redirects to /admin/events",
        ["/Admin/SignOutPage GET "] = "redirects to /admin/events",
        ["/Admin/EventMailPage GET progress"] = "JSON for progress.js",
        ["/Admin/SurveyResultsPage GET csv"] = "a CSV file",
        ["/Admin/Security/SecurityPage GET codes"] = "shows new recovery codes once: audited in OrganiserSignInJourneyTests",
        ["/Admin/Security/VerifyPage GET "] = "needs a password sign-in in progress: audited in OrganiserSignInJourneyTests",
    };

    /// <summary>Each console page (by handler) and the addresses that show it, signed in as the owner.</summary>
    static Dictionary<string, string[]> Pages(string slug, long id, long rule = 1) => new()
    {
        ["/Admin/AttendancePage GET "] = [$"/admin/events/{slug}/attendance", $"/admin/events/{slug}/attendance?done=imported"],
        ["/Admin/MailRulePage GET "] = [$"/admin/events/{slug}/mail/rule/{rule}"],
        ["/Admin/SurveyPage GET "] = [$"/admin/events/{slug}/survey"],
        ["/Admin/SurveyResultsPage GET "] = [$"/admin/events/{slug}/survey-results"],
        ["/Admin/SpeakerQuestionsPage GET "] = [$"/admin/events/{slug}/questions?category=municipal&anonymous=1",
            $"/admin/events/{slug}/questions?print=1"],
        ["/Admin/EventsPage GET "] = ["/admin/events"],
        ["/Admin/EventEditPage GET "] = ["/admin/events/new"],
        ["/Admin/EventEditPage GET edit"] = [$"/admin/events/{slug}/edit"],
        ["/Admin/EventEditPage GET cancel"] = [$"/admin/events/{slug}/cancel"],
        ["/Admin/EventImagePage GET "] = [$"/admin/events/{slug}/image", $"/admin/events/{slug}/image?done=uploaded"],
        ["/Admin/EventMailPage GET "] = [$"/admin/events/{slug}/mail", $"/admin/events/{slug}/mail?done=message"],
        ["/Admin/RegistrationsPage GET "] =
            [$"/admin/events/{slug}/registrations", $"/admin/events/{slug}/registrations?status=waitlisted"],
        ["/Admin/RegistrationPage GET "] =
            [$"/admin/events/{slug}/registrations/{id}", $"/admin/events/{slug}/registrations/{id}?done=resent"],
        ["/Admin/RegistrationEditPage GET "] = [$"/admin/events/{slug}/registrations/{id}/edit"],
        ["/Admin/StaffEntryPage GET "] = [$"/admin/events/{slug}/registrations/new"],
        ["/Admin/RegistrationImportPage GET "] = [$"/admin/events/{slug}/registrations/import"],
        ["/Admin/RegistrationPage GET cancel"] = [$"/admin/events/{slug}/registrations/{id}/cancel"],
        ["/Admin/RegistrationPage GET erase"] = [$"/admin/events/{slug}/registrations/{id}/erase"],
        ["/Admin/AccountsPage GET "] = ["/admin/accounts"],
        ["/Admin/Security/SecurityPage GET "] = ["/admin/security", "/admin/security?done=password"],
        ["/Admin/Security/SessionsPage GET "] = ["/admin/sessions"],
        ["/Admin/AuditPage GET "] = ["/admin/audit"],
        ["/Admin/OutboxPage GET "] = ["/admin/outbox"],
        ["/Admin/WebhooksPage GET "] = ["/admin/webhooks"],
        ["/Admin/DeniedPage GET "] = ["/admin/denied"],
        // Signed out, and on an install with no organiser yet: see SignedOutAsync.
        ["/Admin/SignInPage GET "] = [],
        ["/Admin/SetupPage GET "] = [],
    };

    [Fact]
    public void Every_console_page_is_audited()
    {
        var inApp = ConsoleRoutes.PageHandlers(browser.App.Services)
            .Where(h => h.Contains(" GET ", StringComparison.Ordinal)).ToList();
        var listed = Pages("slug", 1).Keys.Concat(NotPages.Keys).ToList();
        Assert.True(inApp.Except(listed).ToList() is { Count: 0 } missing,
            $"Console pages no axe test opens: {string.Join(", ", inApp.Except(listed))}. Add them to ConsoleAxeTests.Pages.");
        Assert.Empty(listed.Except(inApp));
    }

    [Theory, MemberData(nameof(Views))]
    public async Task Every_console_page_has_no_serious_or_critical_violations(string language, int width)
    {
        var slug = browser.DemoSlug;
        await browser.App.Client().ConfirmedRegistrationAsync(browser.Smtp, slug, $"{Guid.NewGuid():N}@example.jp");
        var id = await browser.App.QueryOneAsync<long>("SELECT MAX(id) FROM registrations");
        // A question for the speakers, so that page is audited with its list, not only its "none" line.
        await browser.App.RegisterPersonAsync(slug, $"{Guid.NewGuid():N}@example.jp", ticket: "recording",
            questions: "事例の規模を教えてください。\n予算も知りたいです。");
        // A failed row, so the outbox shows its table of problems.
        await browser.App.ExecuteAsync("UPDATE outbox SET status = 'failed', last_error = '550 5.1.1 User unknown' " +
            "WHERE id = (SELECT MIN(id) FROM outbox WHERE status <> 'failed')");
        await using var organiser = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), width, 844);
        await organiser.SignInAsync(language);
        var findings = new List<string>();
        var audited = 0;
        var rule = await browser.App.QueryOneAsync<long>(
            "SELECT MAX(id) FROM reminder_rules WHERE event_id = (SELECT id FROM events WHERE slug = @slug)", new { slug });
        foreach (var (page, paths) in Pages(slug, id, rule))
            foreach (var path in paths)
            {
                var response = await organiser.Page.GotoAsync(path);
                Assert.True(response is { Status: 200 or 403 }, $"GET {path} answered {response?.Status}");
                findings.AddRange(await Axe.AuditAsync(browser, organiser, $"console {page.Trim()} {path}", language));
                audited++;
            }
        // The mail page's preview step, the accounts page with a new token shown once, the webhooks page likewise.
        await organiser.GoAsync($"/admin/events/{slug}/mail");
        await organiser.Page.Locator("#f-subject").FillAsync("会場のご案内");
        await organiser.Page.Locator("#f-body").FillAsync("当日の流れをお知らせします。");
        await organiser.Page.Locator("#f-subject").PressAsync("Enter");
        await Assertions.Expect(organiser.Page.Locator("input[name=send]")).ToHaveCountAsync(1);
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: message preview", language));
        await organiser.GoAsync("/admin/accounts");
        await organiser.Page.Locator("#f-tokenName").FillAsync("axe-" + width);
        await organiser.Page.Locator("#f-tokenName").PressAsync("Enter");
        await Assertions.Expect(organiser.Page.Locator("#new-token")).ToBeVisibleAsync();
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: new API token", language));
        // The webhooks page with a hook in its table and its secret shown once (a documentation address: never reached).
        await organiser.GoAsync("/admin/webhooks");
        await organiser.Page.Locator("#f-url").FillAsync($"https://203.0.113.7/axe-{language}-{width}");
        await organiser.Page.Locator("#f-url").PressAsync("Enter");
        await Assertions.Expect(organiser.Page.Locator("#new-secret")).ToBeVisibleAsync();
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: new webhook", language));
        audited += 3 + await StaffEntryAsync(organiser, slug, language, findings);
        audited += await SignedOutAsync(language, width, findings);

        browser.Print($"axe console [{language}, {width}px]: {audited} pages, {findings.Count} serious or critical findings");
        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }

    /// <summary>A staff entry refused with its errors, then made without an address: the personal links shown once.</summary>
    async Task<int> StaffEntryAsync(Visitor organiser, string slug, string language, List<string> findings)
    {
        var page = organiser.Page;
        await organiser.GoAsync($"/admin/events/{slug}/registrations/new");
        var submit = page.GetByRole(AriaRole.Button, new() { Name = T("staffEntry.submit", language), Exact = true });
        await submit.ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: staff entry with errors", language));
        await page.Locator("#f-familyName").FillAsync("窓口");
        await page.Locator("#f-givenName").FillAsync("花子");
        await page.Locator("#f-organization").FillAsync("○○町 福祉課");
        await page.Locator("input[name=ticketType][value=recording]").CheckAsync();
        await page.Locator("#f-consent").CheckAsync();
        await submit.ClickAsync();
        await Assertions.Expect(page.Locator(".personal-links")).ToBeVisibleAsync();
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: staff entry with the links", language));
        return 2;
    }

    /// <summary>The sign-in page with its error, and the setup page (on an install with no organiser) with its errors.</summary>
    async Task<int> SignedOutAsync(string language, int width, List<string> findings)
    {
        await using (var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), width, 844))
        {
            await visitor.GoAsync("/admin/signin");
            findings.AddRange(await Axe.AuditAsync(browser, visitor, "console: sign-in", language));
            await visitor.Page.Locator("#f-email").FillAsync("nobody@example.jp");
            await visitor.Page.Locator("#f-password").FillAsync("not the password");
            await visitor.Page.GetByRole(AriaRole.Button, new() { Name = T("admin.signIn", language), Exact = true }).ClickAsync();
            await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeVisibleAsync();
            findings.AddRange(await Axe.AuditAsync(browser, visitor, "console: sign-in failed", language));
        }
        await using var fresh = await PortalApp.StartSqliteAsync();
        await using var first = await Visitor.OpenAsync(browser.Browser, fresh.BaseAddress, BrowserFixture.LocaleOf(language), width, 844,
            javaScript: true);
        await first.GoAsync("/admin/setup");
        findings.AddRange(await Axe.AuditAsync(browser, first, "console: setup", language));
        await first.Page.GetByRole(AriaRole.Button, new() { Name = T("admin.setupSubmit", language), Exact = true }).ClickAsync();
        await Assertions.Expect(first.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await Axe.AuditAsync(browser, first, "console: setup with errors", language));
        return 4;
    }
}
