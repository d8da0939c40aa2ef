using EventPortal.BrowserTests.Accessibility;
using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// The organiser's second factors in chromium: add a passkey (chromium's virtual authenticator)
/// and an authenticator app on the security page, sign out, then sign in with each, and with a
/// recovery code. Its own app (the shared one's owner signs in with a password alone in the other
/// tests), on <c>localhost</c>: WebAuthn refuses an IP address as the site's identity.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OrganiserSignInJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task Organiser_enrols_a_passkey_and_an_authenticator_app_then_signs_in_with_each_and_with_a_recovery_code()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(), clock: clock);
        var site = new Uri($"http://localhost:{app.BaseAddress.Port}");
        await using var organiser = await Visitor.OpenAsync(browser.Browser, site, "ja-JP", 1280, 800, javaScript: true);
        await organiser.AddVirtualAuthenticatorAsync();
        var page = organiser.Page;
        var findings = new List<string>();

        await organiser.PasswordStepAsync("/admin/events");
        await page.GetByRole(AriaRole.Link, new() { Name = T("adminSecurity.title", "ja"), Exact = true }).ClickAsync();
        Assert.Equal("/admin/security", organiser.Path);

        // A passkey: the first factor added, so the recovery codes appear, once.
        await organiser.FillAsync("adminSecurity.passkeyName", "事務所のパソコン");
        await organiser.ClickAsync("adminSecurity.passkeyAdd");
        await page.WaitForURLAsync("**/admin/security/codes");
        var codes = await page.Locator("ul.codes code").AllTextContentsAsync();
        Assert.Equal(10, codes.Count);
        await Assertions.Expect(page.Locator("table.passkeys")).ToContainTextAsync("事務所のパソコン");
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: security, codes shown", "ja"));

        // An authenticator app: the key is read off the page as a person would type it into the app.
        await organiser.ClickAsync("adminSecurity.totpStart");
        var secret = (await page.Locator("#totp-secret").TextContentAsync())!;
        await Assertions.Expect(page.Locator(".qr-code svg")).ToBeVisibleAsync();
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: security, authenticator setup", "ja"));
        await organiser.FillAsync("adminSignIn.code", SecondFactorSteps.Code(secret, clock.Now));
        await organiser.ClickAsync("adminSecurity.totpConfirm");
        await Assertions.Expect(page.GetByText(T("adminSecurity.done.totpAdded", "ja"))).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("ul.codes")).ToHaveCountAsync(0);   // the codes were shown once, with the passkey
        await organiser.SignOutAsync();

        // Sign in with the passkey.
        await organiser.PasswordStepAsync("/admin/signin/verify");
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: second step of sign-in", "ja"));
        await organiser.ClickAsync("adminSignIn.usePasskey");
        await page.WaitForURLAsync("**/admin/events");
        await organiser.SignOutAsync();

        // With the app's next code (a code is good once: the one used to set it up is spent).
        await organiser.PasswordStepAsync("/admin/signin/verify");
        clock.Now = clock.Now.AddSeconds(30);
        await organiser.FillAsync("adminSignIn.code", SecondFactorSteps.Code(secret, clock.Now));
        await organiser.ClickAsync("adminSignIn.confirm");
        await page.WaitForURLAsync("**/admin/events");
        await organiser.SignOutAsync();

        // With a recovery code, and that code only once.
        await organiser.PasswordStepAsync("/admin/signin/verify");
        await organiser.FillAsync("adminSignIn.recoveryCode", codes[0]);
        await organiser.ClickAsync("adminSignIn.useRecoveryCode");
        await page.WaitForURLAsync("**/admin/events");
        await organiser.SignOutAsync();
        await organiser.PasswordStepAsync("/admin/signin/verify");
        await organiser.FillAsync("adminSignIn.recoveryCode", codes[0]);
        await organiser.ClickAsync("adminSignIn.useRecoveryCode");
        await Assertions.Expect(page.GetByText(T("adminSignIn.wrongRecoveryCode", "ja"))).ToBeVisibleAsync();
        await organiser.FillAsync("adminSignIn.recoveryCode", codes[1]);
        await organiser.ClickAsync("adminSignIn.useRecoveryCode");
        await page.WaitForURLAsync("**/admin/events");

        await organiser.GoAsync("/admin/security");
        await Assertions.Expect(page.GetByText(T("adminSecurity.codesLeft", "ja", 8))).ToBeVisibleAsync();
        // Removing the passkey leaves the authenticator app, so the recovery codes stay.
        var remove = T("adminSecurity.passkeyRemoveNamed", "ja", "事務所のパソコン");
        await page.GetByRole(AriaRole.Button, new() { Name = remove, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(T("adminSecurity.done.passkeyRemoved", "ja"))).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("table.passkeys")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText(T("adminSecurity.codesLeft", "ja", 8))).ToBeVisibleAsync();
        await organiser.GoAsync("/admin/sessions");
        await Assertions.Expect(page.Locator("table.sessions tbody tr")).ToHaveCountAsync(1);
        findings.AddRange(await Axe.AuditAsync(browser, organiser, "console: sessions", "ja"));

        Assert.Equal(["passkey", "totp", "recovery", "recovery"], await app.QueryAsync<string>(
            "SELECT detail FROM audit_log WHERE action = 'signin' AND detail <> '' ORDER BY id"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'passkey.enrol'"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'passkey.remove'"));
        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }
}
