using Microsoft.Playwright;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>Checks of the page as it is now, run through the browser's own DOM.</summary>
public static class PageChecks
{
    /// <summary>Every visible form control has a label (its own &lt;label&gt;, or aria-label/labelledby).</summary>
    public static async Task AssertControlsLabelledAsync(IPage page)
    {
        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
                .filter(c => !(c.labels && c.labels.length > 0) && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby')
                             && !(c.tagName === 'BUTTON' && c.textContent.trim().length > 0))
                .map(c => c.outerHTML.slice(0, 120))
            """);
        Assert.True(unlabelled.Length == 0, $"{page.Url}: controls without a label: {string.Join(" | ", unlabelled)}");
    }

    /// <summary>The document says which language it is in.</summary>
    public static async Task AssertLanguageAsync(IPage page, string language) =>
        Assert.Equal(language, await page.Locator("html").GetAttributeAsync("lang"));

    /// <summary>
    /// No style attributes, style elements or inline scripts: the CSP would refuse them anyway. The event page's
    /// schema.org JSON-LD is a data block (never run, so the CSP does not apply) and is allowed.
    /// </summary>
    public static async Task AssertNoInlineStyleOrScriptAsync(IPage page)
    {
        var inline = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('[style], style, script:not([src]):not([type="application/ld+json"])')]
                .map(e => e.outerHTML.slice(0, 120))
            """);
        Assert.True(inline.Length == 0, $"{page.Url}: inline style or script: {string.Join(" | ", inline)}");
    }

    /// <summary>Nothing sticks out sideways: the page scrolls only vertically at this width.</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"{page.Url} is {widths[0]} px wide in a {widths[1]} px window");
    }
}
