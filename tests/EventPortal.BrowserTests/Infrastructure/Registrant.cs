using EventPortal.Web.Localization;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>Someone who registers: what they type into the form.</summary>
public sealed record Person(string FamilyName, string GivenName, string Reading, string Email, string Organization = "テスト市役所 市民協働課")
{
    public static Person Unique(string familyName = "山田", string givenName = "花子", string reading = "ヤマダ ハナコ") =>
        new(familyName, givenName, reading, $"{Guid.NewGuid():N}@example.jp");
}

/// <summary>
/// What a registrant does in the browser, step by step, the way a person does it: follow
/// links by their visible text, fill the form, press the buttons. Texts come from the app's
/// own ja.json / en.json, so the same steps run in either language.
/// </summary>
public static class Registrant
{
    public static string T(string key, string language) => Text.Get(key, language);
    public static string T(string key, string language, params object[] args) => string.Format(Text.Get(key, language), args);

    /// <summary>From the home page, opens the event by its title.</summary>
    public static async Task OpenEventFromHomeAsync(this Visitor visitor, string title)
    {
        await visitor.GoAsync("/");
        await visitor.Page.GetByRole(AriaRole.Link, new() { Name = title, Exact = true }).ClickAsync();
        await visitor.Page.WaitForURLAsync("**/events/*");
    }

    /// <summary>Switches the language with the link in the page header.</summary>
    public static async Task SwitchLanguageAsync(this Visitor visitor, string language)
    {
        var nav = visitor.Page.GetByRole(AriaRole.Navigation, new() { Name = T("layout.language", await visitor.LanguageAsync()) });
        await nav.GetByRole(AriaRole.Link, new() { Name = T("language.self", language), Exact = true }).ClickAsync();
        await Assertions.Expect(visitor.Page.Locator("html")).ToHaveAttributeAsync("lang", language);
    }

    public static async Task<string> LanguageAsync(this Visitor visitor) =>
        await visitor.Page.Locator("html").GetAttributeAsync("lang") ?? "";

    /// <summary>Fills the registration form on the event page, presses the submit button and lands on the personal page.</summary>
    public static async Task RegisterAsync(
        this Visitor visitor, Person person, string language, string ticket = "live", string category = "municipal")
    {
        await visitor.SubmitRegistrationAsync(person, language, ticket, category);
        await visitor.Page.WaitForURLAsync("**/r/*");
    }

    /// <summary>
    /// Registers for a ticket that confirms the address: the form leads to "check your mail", which
    /// shows no personal link.
    /// </summary>
    public static async Task RegisterAndCheckMailAsync(this Visitor visitor, Person person, string language)
    {
        await visitor.SubmitRegistrationAsync(person, language);
        await visitor.Page.WaitForURLAsync("**/check-mail");
        await Assertions.Expect(visitor.Page.GetByRole(AriaRole.Heading, new() { Name = T("checkMail.title", language) }))
            .ToBeVisibleAsync();
        await Assertions.Expect(visitor.Page.Locator("a[href*='/r/']")).ToHaveCountAsync(0);
    }

    /// <summary>Opens the confirmation link from the mail the SMTP server received, and lands on the personal page.</summary>
    public static async Task OpenMailedConfirmLinkAsync(this Visitor visitor, SmtpServer smtp, Person person, string language)
    {
        await visitor.GoAsync(await smtp.ConfirmLinkAsync(person.Email));
        await visitor.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/r/[^/?]+\\?done=confirmed$"));
        await Assertions.Expect(visitor.Page.GetByText(T("manage.confirmedNow", language))).ToBeVisibleAsync();
    }

    static async Task SubmitRegistrationAsync(this Visitor visitor, Person person, string language, string ticket = "live",
        string category = "municipal")
    {
        var page = visitor.Page;
        await page.Locator("#f-familyName").FillAsync(person.FamilyName);
        await page.Locator("#f-givenName").FillAsync(person.GivenName);
        await page.Locator("#f-reading").FillAsync(person.Reading);
        await page.Locator("#f-email").FillAsync(person.Email);
        await page.Locator("#f-emailConfirmation").FillAsync(person.Email);
        await page.Locator("#f-organization").FillAsync(person.Organization);
        await page.Locator($"input[name=category][value={category}]").CheckAsync();
        await page.Locator($"input[name=ticketType][value={ticket}]").CheckAsync();
        await page.Locator("#f-consent").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = T("register.submit", language), Exact = true }).ClickAsync();
    }

    /// <summary>
    /// The status shown on the personal page ("confirmed", "waitlisted", "cancelled"), checked against its localised label.
    /// </summary>
    public static async Task ExpectStatusAsync(this Visitor visitor, string status, string language)
    {
        await Assertions.Expect(visitor.Page.Locator(".status-label")).ToHaveTextAsync(T("status." + status, language));
        await Assertions.Expect(visitor.Page.GetByText(T($"status.{status}.explain", language))).ToBeVisibleAsync();
    }

    /// <summary>Cancels from the personal page: the cancel link, then the confirmation button.</summary>
    public static async Task CancelAsync(this Visitor visitor, string language)
    {
        var page = visitor.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = T("manage.cancelStart", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = T("manage.cancelConfirmTitle", language) }))
            .ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = T("manage.cancelYes", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(T("manage.cancelledNow", language))).ToBeVisibleAsync();
        await visitor.ExpectStatusAsync("cancelled", language);
    }
}
