using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Data;
using Microsoft.Playwright;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>
/// One app and one browser for the whole browser suite: the real app on Kestrel (a fresh SQLite
/// database in a temporary folder, the bootstrap owner from <see cref="Organisers"/>) and
/// Debian's chromium driven by Playwright. Each test opens its own <see cref="Visitor"/>
/// (a fresh browser context: no shared cookies) and makes its own events, so tests never
/// depend on each other's data.
/// </summary>
public sealed class BrowserFixture(IMessageSink sink) : IAsyncLifetime
{
    /// <summary>Debian's chromium (scripts/test.sh installs it); Playwright never downloads a browser here.</summary>
    public const string Chromium = "/usr/bin/chromium";

    static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    IPlaywright? _playwright;
    IBrowser? _browser;
    PortalApp? _app;
    SmtpServer? _smtp;

    public PortalApp App => _app ?? throw new InvalidOperationException("the fixture is not started");
    /// <summary>The real SMTP server the app sends to: journeys read their links from the mail there.</summary>
    public SmtpServer Smtp => _smtp ?? throw new InvalidOperationException("the fixture is not started");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the fixture is not started");
    /// <summary>The seeded demo briefing: the richest event page (description, programme, speakers, contact).</summary>
    public string DemoSlug => DemoSeed.Build(DateTime.UtcNow).Slug;

    /// <summary>The app's origin, e.g. <c>http://127.0.0.1:39111</c>: every request a page makes must go here.</summary>
    public string Origin => App.BaseAddress.GetLeftPart(UriPartial.Authority);

    public async Task InitializeAsync()
    {
        _smtp = await SmtpServer.StartAsync();
        var settings = Organisers.Bootstrap();
        foreach (var (key, value) in EventPortal.Tests.Mail.MailDelivery.SmtpSettings(_smtp.Port))
            if (key != "EventPortal:PublicBaseUrl") settings[key] = value;   // links in the mail lead back to this app
        _app = await PortalApp.StartSqliteAsync(seedDemo: true, settings: settings);
        (_playwright, _browser) = await LaunchAsync();
    }

    /// <summary>Starts Playwright's driver and chromium; fails (never skips) when chromium is missing.</summary>
    public static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException(
                $"{Chromium} is missing: run scripts/test.sh, or apt-get install chromium fonts-ipafont-gothic");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        return (playwright, browser);
    }

    /// <summary>The browser language (Accept-Language) of someone who reads <paramref name="language"/>.</summary>
    public static string LocaleOf(string language) => language == "ja" ? "ja-JP" : "en-US";

    /// <summary>A new visitor: a fresh browser context (own cookies) with one page.</summary>
    public Task<Visitor> VisitorAsync(
        string locale = "ja-JP", int width = 375, int height = 740, bool javaScript = true, bool dark = false) =>
        Visitor.OpenAsync(Browser, App.BaseAddress, locale, width, height, javaScript, dark);

    /// <summary>
    /// Prints a line in the run's own output (axe results, page weights): xunit's diagnostic
    /// messages (xunit.runner.json) reach <c>dotnet test</c>'s console at its default verbosity.
    /// </summary>
    public void Print(string line) => sink.OnMessage(new DiagnosticMessage(line));

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_smtp is not null) await _smtp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
