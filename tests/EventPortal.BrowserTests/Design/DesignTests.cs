using System.Collections.Concurrent;
using System.Globalization;
using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Design;

/// <summary>
/// The public pages on the narrowest phone we support (320 px), the event page's weight
/// (HTML + CSS at most 60 kB, printed), one stylesheet of our own, system fonts with Japanese
/// fallbacks, and no script on any public page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DesignTests(BrowserFixture browser)
{
    const int WeightLimit = 60 * 1024;

    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Public_pages_fit_a_320px_screen_with_one_stylesheet_and_no_script(string language)
    {
        var slug = browser.DemoSlug;
        var manage = await browser.App.Client().ConfirmedRegistrationAsync(browser.Smtp, slug, $"{Guid.NewGuid():N}@example.jp");
        await using var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), 320, 640);
        var page = visitor.Page;

        async Task CheckAsync()
        {
            await PageChecks.AssertLanguageAsync(page, language);
            await PageChecks.AssertNoHorizontalScrollAsync(page);
            var stylesheets = await page.Locator("link[rel=stylesheet]")
                .EvaluateAllAsync<string[]>("links => links.map(l => new URL(l.href).pathname)");
            Assert.Equal(["/css/site.css"], stylesheets);
            // No script at all; the event page's schema.org JSON-LD is data that browsers never run.
            Assert.Equal(0, await page.Locator("script:not([type='application/ld+json'])").CountAsync());
        }

        await visitor.GoAsync("/");
        await CheckAsync();
        await visitor.GoAsync($"/events/{slug}");
        await CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = T("register.submit", language), Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
        await CheckAsync();
        await visitor.GoAsync(manage);
        await CheckAsync();
        await visitor.GoAsync($"{manage}/cancel");
        await CheckAsync();
        await visitor.GoAsync($"/events/{slug}/resend");
        await CheckAsync();
        await visitor.GoAsync("/admin/signin");
        await CheckAsync();
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }

    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Event_page_with_its_stylesheet_weighs_at_most_60_kB(string language)
    {
        await using var visitor = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), 375);
        var responses = new ConcurrentQueue<IResponse>();
        visitor.Context.Response += (_, r) => responses.Enqueue(r);
        await visitor.GoAsync($"/events/{browser.DemoSlug}");
        await visitor.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        var sizes = new List<(string Type, string Path, int Bytes)>();
        foreach (var r in responses)
            sizes.Add((r.Request.ResourceType, new Uri(r.Url).AbsolutePath, (await r.BodyAsync()).Length));
        var html = Assert.Single(sizes, s => s.Type == "document");
        var css = Assert.Single(sizes, s => s.Type == "stylesheet");
        Assert.Equal("/css/site.css", css.Path);
        var others = sizes.Where(s => s.Type is not ("document" or "stylesheet")).ToList();
        // Nothing else but the icon: no scripts, no web fonts, no images.
        Assert.All(others, s => Assert.Equal("/favicon.svg", s.Path));

        var total = html.Bytes + css.Bytes;
        browser.Print($"event page weight [{language}] {html.Path}: HTML {Kb(html.Bytes)} + CSS {Kb(css.Bytes)} = {Kb(total)} " +
            $"(limit {Kb(WeightLimit)}); " +
            $"also {string.Join(", ", others.Select(o => $"{o.Path} {Kb(o.Bytes)}").DefaultIfEmpty("nothing"))}");
        Assert.True(total <= WeightLimit, $"the event page weighs {Kb(total)}, more than {Kb(WeightLimit)}");

        // System fonts with Japanese fallbacks: nothing downloaded, Japanese never in boxes.
        var fonts = await visitor.Page.EvaluateAsync<string>("() => getComputedStyle(document.body).fontFamily");
        Assert.StartsWith("system-ui", fonts);
        Assert.Contains("\"Hiragino Sans\"", fonts);
        Assert.Contains("\"Noto Sans JP\"", fonts);
        Assert.EndsWith("sans-serif", fonts);
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }

    static string Kb(int bytes) => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " kB";
}
