using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>What an organiser does in the console, in the browser.</summary>
public static class Organiser
{
    /// <summary>Opens the console, gets sent to the sign-in page, and signs in as the bootstrap owner.</summary>
    public static Task SignInAsync(this Visitor visitor, string language = "ja") => visitor.PasswordStepAsync("/admin/events", language);

    /// <summary>The same up to the password, for an owner with a second factor: waits for the page that follows.</summary>
    public static async Task PasswordStepAsync(this Visitor visitor, string expectPath, string language = "ja")
    {
        var page = visitor.Page;
        await page.GotoAsync("/admin/events");
        Assert.Equal("/admin/signin", visitor.Path);
        await page.GetByLabel(T("field.email", language), new() { Exact = true }).FillAsync(Organisers.OwnerEmail);
        await page.GetByLabel(T("admin.password", language), new() { Exact = true }).FillAsync(Organisers.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = T("admin.signIn", language), Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**" + expectPath);
    }

    /// <summary>From the events list: a new event with the editor's defaults (a live ticket of 100 seats), created as a draft.</summary>
    public static async Task CreateEventAsync(this Visitor visitor, string title, string slug, string language = "ja")
    {
        var page = visitor.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = T("adminEvent.new", language), Exact = true }).ClickAsync();
        await page.Locator("#f-title").FillAsync(title);
        await page.Locator("#f-slug").FillAsync(slug);
        await page.Locator("#f-summary").FillAsync("地域の居場所づくり事業の一年をご報告します。");
        await page.GetByRole(AriaRole.Button, new() { Name = T("adminEvent.create", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(T("adminEvent.notice.created", language))).ToBeVisibleAsync();
        Assert.Equal($"/admin/events/{slug}/edit", visitor.Path);
    }

    public static async Task PublishAsync(this Visitor visitor, string language = "ja")
    {
        var page = visitor.Page;
        await page.GetByRole(AriaRole.Button, new() { Name = T("adminEvent.publish", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(T("adminEvent.notice.published", language))).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(T("adminEvent.status.published", language), new() { Exact = true })).ToBeVisibleAsync();
    }
}
