using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>
/// Someone at a browser: one context (cookies, viewport, language, JavaScript on or off) and
/// its page. It records every request the page makes and every console error (a CSP
/// violation from an inline script or style shows up there), so a test can assert at its end
/// that the page fetched nothing from a third party and broke no policy.
/// </summary>
public sealed record Downloaded(string FileName, string MediaType, byte[] Bytes)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Bytes);
}

public sealed class Visitor : IAsyncDisposable
{
    readonly ConcurrentQueue<string> _requests = new();
    readonly ConcurrentQueue<(string Text, string Url)> _consoleErrors = new();
    readonly ConcurrentDictionary<string, bool> _documents = new();
    readonly Uri _base;

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    Visitor(IBrowserContext context, IPage page, Uri baseAddress)
    {
        (Context, Page, _base) = (context, page, baseAddress);
        context.Request += (_, request) => _requests.Enqueue(request.Url);
        context.Response += (_, response) => { if (response.Request.ResourceType == "document") _documents[response.Url] = true; };
        page.Console += (_, message) => { if (message.Type == "error") _consoleErrors.Enqueue((message.Text, message.Location)); };
        page.PageError += (_, error) => _consoleErrors.Enqueue((error, ""));
    }

    public static async Task<Visitor> OpenAsync(
        IBrowser browser, Uri baseAddress, string locale, int width, int height, bool javaScript, bool dark = false)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            JavaScriptEnabled = javaScript,
            AcceptDownloads = true,
            ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
        });
        // Generous: CI machines are shared and slow; a journey that is broken still fails, only later.
        context.SetDefaultTimeout(45_000);
        var page = await context.NewPageAsync();
        return new Visitor(context, page, baseAddress);
    }

    public string Origin => _base.GetLeftPart(UriPartial.Authority);
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Opens <paramref name="path"/> and fails unless the answer is 2xx.</summary>
    public async Task<IResponse> GoAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET {path} answered {response.Status}");
        return response;
    }

    /// <summary>The path of the page now shown (no origin, no query).</summary>
    public string Path => new Uri(Page.Url).AbsolutePath;

    /// <summary>
    /// Everything this visitor's pages fetched came from the app itself, and no page logged an error (such as a CSP violation).
    /// </summary>
    public void AssertOwnOriginOnlyAndNoErrors()
    {
        Assert.NotEmpty(_requests);
        var foreign = _requests.Where(url => !url.StartsWith(Origin + "/", StringComparison.Ordinal)).ToList();
        Assert.True(foreign.Count == 0, "requests to other origins: " + string.Join(", ", foreign));
        // A page answered with an error status on purpose (422 for a form with mistakes) is logged
        // as a failed load of that document; failures of anything a page loads are still errors.
        var errors = _consoleErrors
            .Where(e => !(e.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)
                && _documents.ContainsKey(DocumentOf(e.Url))))
            .Select(e => $"{e.Text} ({e.Url})").ToList();
        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
    }

    /// <summary>
    /// Clicks the link named <paramref name="linkText"/> and takes the file it downloads, with
    /// the media type the server sent for it.
    /// </summary>
    public async Task<Downloaded> DownloadAsync(string linkText)
    {
        var link = Page.GetByRole(AriaRole.Link, new() { Name = linkText, Exact = true });
        var href = new Uri(new Uri(Page.Url), await link.GetAttributeAsync("href")).ToString();
        var download = await Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var bytes = await File.ReadAllBytesAsync(await download.PathAsync());
        // Chromium hands a download to its download manager: no response event and no route
        // sees it. The same URL fetched with this visitor's cookies tells the media type.
        var again = await Context.APIRequest.GetAsync(href);
        Assert.True(again.Ok, $"GET {href} answered {again.Status}");
        var contentType = again.Headers.GetValueOrDefault("content-type") ?? "";
        return new Downloaded(download.SuggestedFilename, contentType.Split(';')[0].Trim(), bytes);
    }

    /// <summary>Chromium gives a console message's place as "url:line:column".</summary>
    static string DocumentOf(string location) => System.Text.RegularExpressions.Regex.Replace(location, @":\d+:\d+$", "");

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
