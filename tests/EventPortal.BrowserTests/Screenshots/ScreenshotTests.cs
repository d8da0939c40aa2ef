using System.Net.Http.Json;
using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Data;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Screenshots;

/// <summary>
/// PNGs of the main pages at a phone's width (375 px) and a desktop's (1280 px), from a fresh
/// app with the demo briefing and a handful of registrations. <c>scripts/screenshots.sh</c>
/// runs this test with <c>EVENTPORTAL_SCREENSHOTS</c> pointing at <c>docs/screenshots/</c>;
/// in the ordinary suite it goes through the same pages at the phone's width only, into a
/// temporary folder, and checks that every file is a PNG.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Screenshots")]
public sealed class ScreenshotTests(BrowserFixture browser)
{
    static readonly int[] Widths = [375, 1280];
    const int MaxHeight = 2400;

    static readonly (string Family, string Given, string Reading, string Organization, string Category, string Ticket)[] People =
    [
        ("山田", "花子", "ヤマダ ハナコ", "みどり市 市民協働課", "municipal", "live"),
        ("佐藤", "健一", "サトウ ケンイチ", "NPO法人 ひだまり", "npo", "live"),
        ("鈴木", "美穂", "スズキ ミホ", "地域活動支援センター", "intermediary", "recording"),
        ("高橋", "誠", "タカハシ マコト", "株式会社あさひ", "mentor", "live"),
        ("伊藤", "由美", "イトウ ユミ", "あおば大学", "research", "recording"),
        ("渡辺", "翔太", "ワタナベ ショウタ", "さくら町 福祉課", "municipal", "live"),
    ];

    [Fact]
    public async Task Main_pages_at_phone_and_desktop_widths()
    {
        var target = Environment.GetEnvironmentVariable("EVENTPORTAL_SCREENSHOTS");
        var directory = target is { Length: > 0 }
            ? Directory.CreateDirectory(target).FullName
            : Directory.CreateTempSubdirectory("eventportal-screenshots-").FullName;
        await using var smtp = await SmtpServer.StartAsync();
        var settings = Organisers.Bootstrap();
        foreach (var (key, value) in EventPortal.Tests.Mail.MailDelivery.SmtpSettings(smtp.Port))
            if (key != "EventPortal:PublicBaseUrl") settings[key] = value;
        await using var app = await PortalApp.StartSqliteAsync(seedDemo: true, settings: settings);
        var slug = DemoSeed.Build(DateTime.UtcNow).Slug;
        var client = app.Client();
        string? manage = null;
        foreach (var p in People)
        {
            var email = $"{Guid.NewGuid():N}@example.jp";
            var response = await client.PostAsJsonAsync($"/api/events/{slug}/registrations", new
            {
                familyName = p.Family, givenName = p.Given, reading = p.Reading, email,
                organization = p.Organization, category = p.Category, ticketType = p.Ticket, consent = true,
            });
            response.EnsureSuccessStatusCode();
            // The demo's live seats confirm the address: each person opens the link mailed to them.
            var personal = response.StatusCode == System.Net.HttpStatusCode.Accepted
                ? (await client.OpenConfirmLinkAsync(smtp, email)).Split('?')[0]
                : new Uri((await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>())
                    .GetProperty("manageUrl").GetString()!).AbsolutePath;
            manage ??= personal;
        }

        var written = new List<string>();
        foreach (var width in target is { Length: > 0 } ? Widths : Widths[..1])
        {
            await using var visitor = await Visitor.OpenAsync(
                browser.Browser, app.BaseAddress, "ja-JP", width, width < 600 ? 740 : 800, javaScript: true);
            async Task ShootAsync(string name, bool fullPage = true)
            {
                var file = Path.Combine(directory, $"{name}-{width}.png");
                var height = await visitor.Page.EvaluateAsync<int>("document.documentElement.scrollHeight");
                await visitor.Page.ScreenshotAsync(fullPage
                    ? new()
                    {
                        Path = file, FullPage = true, Animations = ScreenshotAnimations.Disabled,
                        Clip = new() { X = 0, Y = 0, Width = width, Height = Math.Min(height, MaxHeight) }
                    }
                    : new() { Path = file, Animations = ScreenshotAnimations.Disabled });
                written.Add(file);
            }

            await visitor.GoAsync("/");
            await ShootAsync("home");
            await visitor.GoAsync($"/events/{slug}");
            await ShootAsync("event");
            await visitor.Page.GetByRole(AriaRole.Button, new() { Name = T("register.submit", "ja"), Exact = true }).ClickAsync();
            await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeFocusedAsync();
            await Assertions.Expect(visitor.Page.Locator(".error-summary")).ToBeInViewportAsync(new() { Ratio = 1 });
            await ShootAsync("form-errors", fullPage: false);   // where the browser put the focus: the error summary
            await visitor.GoAsync(manage!);
            await ShootAsync("personal");
            await visitor.SwitchLanguageAsync("en");
            await visitor.GoAsync($"/events/{slug}");
            await ShootAsync("event-en");
            await visitor.SwitchLanguageAsync("ja");

            await visitor.SignInAsync();
            await ShootAsync("console-events");
            await visitor.GoAsync($"/admin/events/{slug}/edit");
            await ShootAsync("console-edit");
            await visitor.GoAsync($"/admin/events/{slug}/registrations");
            await ShootAsync("console-registrations");
        }

        browser.Print($"screenshots: {written.Count} PNGs in {directory}");
        foreach (var file in written)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.Length > 1000, $"{file} is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        if (target is not { Length: > 0 }) Directory.Delete(directory, recursive: true);
    }
}
