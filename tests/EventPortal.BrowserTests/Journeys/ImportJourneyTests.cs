using System.Text;
using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Journeys;

/// <summary>
/// The organiser imports a list of invitees that Excel saved as Shift_JIS: a first file with a mistake is listed row by
/// row and nothing is registered; the corrected file is checked, applied, and each row says where the person ended up;
/// with and without JavaScript, axe-clean at each step (with it).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ImportJourneyTests(BrowserFixture browser)
{
    static readonly Encoding ShiftJis = CodePagesEncodingProvider.Instance.GetEncoding(932)!;

    static FilePayload Csv(string text) => new() { Name = "招待者一覧.csv", MimeType = "text/csv", Buffer = ShiftJis.GetBytes(text) };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Organiser_checks_a_shift_jis_list_fixes_a_bad_row_applies_it_and_sees_who_was_seated_or_waitlisted(bool javaScript)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 2);
        var tag = Guid.NewGuid().ToString("N")[..6];
        await using var organiser = await browser.VisitorAsync("ja-JP", 1280, 800, javaScript);
        await organiser.SignInAsync();
        var page = organiser.Page;
        await organiser.GoAsync($"/admin/events/{slug}/registrations");
        await page.GetByRole(AriaRole.Link, new() { Name = T("staffImport.link", "ja"), Exact = true }).ClickAsync();
        Assert.Equal($"/admin/events/{slug}/registrations/import", organiser.Path);
        // axe runs as a script in the page: only where the page runs scripts.
        var findings = new List<string>();
        async Task AuditAsync(string name)
        {
            if (javaScript) findings.AddRange(await Axe.AuditAsync(browser, organiser, name, "ja"));
        }
        await AuditAsync("import: the form");

        const string Header = "姓,名,フリガナ,メールアドレス,所属,参加者区分,チケット\r\n";
        string Row(string family, string email) => $"{family},花子,,{email},○○市 企画課,自治体職員,ライブ参加\r\n";
        var first = $"a{tag}@example.jp";
        await page.GetByLabel(T("staffImport.file", "ja"), new() { Exact = true })
            .SetInputFilesAsync(Csv(Header + Row("一番", first) + Row("二番", "not-an-address") + Row("三番", "")));
        await page.GetByRole(AriaRole.Button, new() { Name = T("staffImport.check", "ja"), Exact = true }).ClickAsync();
        var problems = page.Locator("#import-problems tbody tr");
        await Assertions.Expect(problems).ToHaveCountAsync(1);
        await Assertions.Expect(problems).ToContainTextAsync("メールアドレス");
        await AuditAsync("import: a bad row");

        await page.GetByLabel(T("staffImport.file", "ja"), new() { Exact = true })
            .SetInputFilesAsync(Csv(Header + Row("一番", first) + Row("二番", $"b{tag}@example.jp") + Row("三番", "")));
        await page.GetByRole(AriaRole.Button, new() { Name = T("staffImport.check", "ja"), Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#import-preview tbody tr")).ToHaveCountAsync(3);
        await AuditAsync("import: checked");
        await page.GetByLabel(T("staffImport.consent", "ja"), new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = T("staffImport.apply", "ja", 3), Exact = true }).ClickAsync();

        var results = page.Locator("#import-results tbody tr");
        await Assertions.Expect(results).ToHaveCountAsync(3);
        await Assertions.Expect(results.Nth(0)).ToContainTextAsync(T("staffImport.outcome.Confirmed", "ja"));
        await Assertions.Expect(results.Nth(1)).ToContainTextAsync(T("staffImport.outcome.Confirmed", "ja"));
        await Assertions.Expect(results.Nth(2)).ToContainTextAsync(T("staffImport.outcome.Waitlisted", "ja"));
        await AuditAsync("import: result");

        // Each name opens the registration; the list shows the three of them.
        await results.Nth(2).GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByText(T("channel.import", "ja"), new() { Exact = false })).ToBeVisibleAsync();
        await organiser.GoAsync($"/admin/events/{slug}/registrations");
        await Assertions.Expect(page.Locator("table.registrations tbody tr")).ToHaveCountAsync(3);
        Assert.True(findings.Count == 0, "serious or critical axe violations:\n" + string.Join("\n", findings));
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }
}
