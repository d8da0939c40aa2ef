using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Accessibility;

/// <summary>
/// axe-core (4.14, WCAG 2.x A/AA and best-practice rules) on every public page and the main
/// console pages: no serious or critical violation anywhere. Each page's result is printed
/// in the run's output, minor and moderate findings included. On each page also: a label on
/// every control, <c>lang</c> of the chosen language, no inline style or script.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AxeTests(BrowserFixture browser)
{
    public static TheoryData<string, int> Visitors => new() { { "ja", 375 }, { "en", 1280 } };

    [Theory, MemberData(nameof(Visitors))]
    public async Task Public_pages_have_no_serious_or_critical_violations(string language, int width)
    {
        var slug = browser.DemoSlug;
        var manage = await browser.App.Client().ConfirmedRegistrationAsync(browser.Smtp, slug, $"{Guid.NewGuid():N}@example.jp");
        await using var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), width);
        var findings = new List<string>();

        await visitor.GoAsync("/");
        findings.AddRange(await AuditAsync(visitor, "home", language));
        await visitor.GoAsync($"/events/{slug}");
        findings.AddRange(await AuditAsync(visitor, "event page", language));
        await visitor.Page.GetByRole(AriaRole.Button, new() { Name = T("register.submit", language), Exact = true }).ClickAsync();
        await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(visitor, "registration form with errors", language));
        await visitor.GoAsync(manage);
        findings.AddRange(await AuditAsync(visitor, "personal page", language));
        await visitor.GoAsync($"{manage}/cancel");
        findings.AddRange(await AuditAsync(visitor, "personal page, cancel step", language));
        await visitor.GoAsync($"{manage}/details");
        findings.AddRange(await AuditAsync(visitor, "correcting one's details", language));
        await visitor.Page.Locator("#f-familyName").FillAsync("");
        await visitor.Page.GetByRole(AriaRole.Button, new() { Name = T("details.save", language), Exact = true }).ClickAsync();
        await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(visitor, "correcting one's details, with errors", language));
        // The demo event's survey (a draft as seeded), opened: the form, and the form with its errors.
        await browser.App.ExecuteAsync("UPDATE surveys SET status = 'open'");
        await visitor.GoAsync(manage.Replace("/r/", "/s/"));
        findings.AddRange(await AuditAsync(visitor, "survey", language));
        await visitor.Page.Locator("form.narrow-form button[type=submit]").ClickAsync();
        await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(visitor, "survey with errors", language));
        await visitor.GoAsync($"/events/{slug}/resend");
        findings.AddRange(await AuditAsync(visitor, "resend page", language));
        await visitor.GoAsync($"/events/{slug}/check-mail");
        findings.AddRange(await AuditAsync(visitor, "check your mail", language));
        await visitor.GoAsync("/admin/signin");
        findings.AddRange(await AuditAsync(visitor, "sign-in", language));

        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }

    [Fact]
    public async Task Console_pages_have_no_serious_or_critical_violations()
    {
        var slug = browser.DemoSlug;
        await browser.App.Client().ConfirmedRegistrationAsync(browser.Smtp, slug, $"{Guid.NewGuid():N}@example.jp");
        await using var organiser = await browser.VisitorAsync("ja-JP", 1280, 800);
        await organiser.SignInAsync();
        var findings = new List<string>();

        findings.AddRange(await AuditAsync(organiser, "console: events", "ja"));
        await organiser.GoAsync($"/admin/events/{slug}/edit");
        findings.AddRange(await AuditAsync(organiser, "console: event editor", "ja"));
        await organiser.GoAsync("/admin/events/new");
        await organiser.Page.GetByRole(AriaRole.Button, new() { Name = T("adminEvent.create", "ja"), Exact = true }).ClickAsync();
        await Assertions.Expect(organiser.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(organiser, "console: new event with errors", "ja"));
        await organiser.GoAsync($"/admin/events/{slug}/registrations");
        findings.AddRange(await AuditAsync(organiser, "console: registrations", "ja"));

        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }

    /// <summary>
    /// The organiser's own security pages (the second step of sign-in is audited in
    /// OrganiserSignInJourneyTests, which has an account with second factors).
    /// </summary>
    [Theory, MemberData(nameof(Visitors))]
    public async Task Security_pages_have_no_serious_or_critical_violations(string language, int width)
    {
        await using var organiser = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), width, 800);
        await organiser.SignInAsync(language);
        var findings = new List<string>();
        await organiser.GoAsync("/admin/security");
        findings.AddRange(await AuditAsync(organiser, "console: security", language));
        // Starting the authenticator app's setup stores nothing until a code confirms it: the shared owner stays password-only.
        await organiser.ClickAsync("adminSecurity.totpStart", language);
        await Assertions.Expect(organiser.Page.Locator("#totp-secret")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(organiser, "console: authenticator setup", language));
        await organiser.Page.GetByLabel(T("adminSignIn.code", language), new() { Exact = true }).FillAsync("abcdef");   // never right
        await organiser.ClickAsync("adminSecurity.totpConfirm", language);
        await Assertions.Expect(organiser.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(organiser, "console: authenticator setup with an error", language));
        await organiser.GoAsync("/admin/sessions");
        findings.AddRange(await AuditAsync(organiser, "console: sessions", language));
        await organiser.GoAsync("/admin/accounts");
        findings.AddRange(await AuditAsync(organiser, "console: accounts", language));
        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }

    [Fact]
    public async Task Dark_colour_scheme_has_no_serious_or_critical_violations()
    {
        // site.css has a dark palette (prefers-color-scheme): its contrast is checked too.
        var slug = browser.DemoSlug;
        var manage = await browser.App.Client().ConfirmedRegistrationAsync(browser.Smtp, slug, $"{Guid.NewGuid():N}@example.jp");
        await using var visitor = await browser.VisitorAsync("ja-JP", 375, dark: true);
        Assert.True(await visitor.Page.EvaluateAsync<bool>("() => matchMedia('(prefers-color-scheme: dark)').matches"));
        var findings = new List<string>();
        await visitor.GoAsync($"/events/{slug}");
        findings.AddRange(await AuditAsync(visitor, "event page, dark", "ja"));
        await visitor.Page.GetByRole(AriaRole.Button, new() { Name = T("register.submit", "ja"), Exact = true }).ClickAsync();
        await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeVisibleAsync();
        findings.AddRange(await AuditAsync(visitor, "registration form with errors, dark", "ja"));
        await visitor.GoAsync(manage);
        findings.AddRange(await AuditAsync(visitor, "personal page, dark", "ja"));
        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
    }

    [Fact]
    public async Task Axe_checks_contrast_and_reports_a_control_without_a_label_as_critical()
    {
        // The audit above is only worth something if it can fail: contrast is among the rules
        // checked, and an unlabelled field must show.
        await using var visitor = await browser.VisitorAsync();
        await visitor.GoAsync("/");
        Assert.Contains("color-contrast", (await Axe.RunAsync(visitor.Page)).Passes);
        await visitor.Page.EvaluateAsync("() => document.querySelector('main').append(document.createElement('input'))");
        var result = await Axe.RunAsync(visitor.Page);
        var label = Assert.Single(result.Violations, v => v.Id == "label");
        Assert.Equal("critical", label.Impact);
    }

    Task<List<string>> AuditAsync(Visitor visitor, string name, string? expectLanguage = null) =>
        Axe.AuditAsync(browser, visitor, name, expectLanguage);
}
