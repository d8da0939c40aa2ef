using System.Text;
using EventPortal.BrowserTests.Infrastructure;
using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.KeyboardSteps;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Accessibility;

/// <summary>
/// The console pages of "after the doors close" by keyboard alone (Tab, typing, Space, arrows, Enter; no mouse, no
/// Playwright fill or click): attendance (threshold, reading the report, the CSV import's check and apply), a mail
/// rule's own text (preview, save), the survey builder (questions, opening it) and its results. Every element Tab
/// reaches shows a visible focus outline; each form is completed and sent, and its result is on the page and stored.
/// Signing in is not under test here: it uses the shared steps.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleKeyboardTests(BrowserFixture browser)
{
    /// <summary>A submit button by its text (the console's header has one too: sign out).</summary>
    static Func<Focused, bool> Button(string text) => f => f.IsSubmit && f.Text == text;

    async Task<Visitor> OrganiserAsync(string language)
    {
        var organiser = await browser.VisitorAsync(BrowserFixture.LocaleOf(language), 390, 844);
        await organiser.SignInAsync(language);
        return organiser;
    }

    async Task<long> EventIdAsync(string slug) =>
        await browser.App.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug });

    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Attendance_page_sets_the_threshold_reads_the_report_and_imports_a_file_by_keyboard(string language)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 10);
        var (came, away) = ($"{Guid.NewGuid():N}@example.jp", $"{Guid.NewGuid():N}@example.jp");
        await browser.App.RegisterPersonAsync(slug, came);
        await browser.App.RegisterPersonAsync(slug, away);
        // A Zoom meeting that has ended, so the page offers to read its report. Set directly: there is no Zoom here, and
        // the read itself (which fails in the outbox for want of Zoom) is not this test's point.
        await browser.App.ExecuteAsync("""
            UPDATE events SET meeting_provider = 'Zoom', meeting_external_id = '81234567890', starts_at = @start, ends_at = @end
            WHERE slug = @slug
            """, new { slug, start = DateTime.UtcNow.AddHours(-2), end = DateTime.UtcNow.AddHours(-1) });
        await using var organiser = await OrganiserAsync(language);
        var page = organiser.Page;
        var notice = page.Locator(".notice-info");
        await organiser.GoAsync($"/admin/events/{slug}/attendance");

        // The threshold: its field, a new number, its button.
        await TabUntilAsync(page, f => f.Id == "minutes", what: "the threshold field");
        await ReplaceTextAsync(page, "25");
        Assert.True((await TabAsync(page)).IsSubmit);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(notice).ToContainTextAsync(T("attendance.doneThreshold", language));
        Assert.Equal(25, await browser.App.QueryOneAsync<int>("SELECT attendance_minutes FROM events WHERE slug = @slug", new { slug }));

        await TabUntilAsync(page, Button(T("attendance.reportNow", language)), what: "read the report now");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(notice).ToContainTextAsync(T("attendance.doneReport", language));

        // The file: a file input opens the system's file chooser, which no keyboard step can drive, so Playwright sets the
        // file (SetInputFilesAsync); reaching the field, checking the file and applying it are all keyboard.
        await TabUntilAsync(page, f => f.Id == "file", what: "the file field");
        await page.Locator("#file").SetInputFilesAsync(new FilePayload
        {
            Name = "attendance.csv", MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes($"email,attendance\r\n{came},yes\r\n{away},no\r\n"),
        });
        Assert.Equal(T("attendanceImport.check", language), (await TabAsync(page)).Text);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#preview-heading")).ToBeVisibleAsync();
        await TabUntilAsync(page, Button(T("attendanceImport.apply", language, "2")), what: "the apply button");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(notice).ToContainTextAsync(T("attendanceImport.done", language));
        var marks = await browser.App.QueryAsync<(string, bool?)>(
            "SELECT email, attended FROM registrations WHERE event_id = @id ORDER BY id", new { id = await EventIdAsync(slug) });
        Assert.Equal([(came, true), (away, false)], marks);
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }

    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Mail_rule_page_previews_and_saves_its_own_text_by_keyboard(string language)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 10);
        await browser.App.RegisterPersonAsync(slug, $"{Guid.NewGuid():N}@example.jp", family: "佐藤", given: "一郎");
        var rule = await browser.App.QueryOneAsync<long>(
            "SELECT id FROM reminder_rules WHERE offset_minutes = -60 AND event_id = @id", new { id = await EventIdAsync(slug) });
        await using var organiser = await OrganiserAsync(language);
        var page = organiser.Page;
        await organiser.GoAsync($"/admin/events/{slug}/mail/rule/{rule}");

        await TabUntilAsync(page, f => f.Id == "subjectJa", what: "the Japanese subject");
        await page.Keyboard.TypeAsync("まもなく開始: {{eventTitle}}");
        Assert.Equal("bodyJa", (await TabAsync(page)).Id);
        await page.Keyboard.TypeAsync("{{name}} 様\n参加はこちら: {{joinUrl}}");
        await TabUntilAsync(page, Button(T("mailRule.check", language)), what: "the preview button");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".mail-preview")).ToContainTextAsync("佐藤 一郎 様");

        // The preview keeps what was typed; the same form now saves.
        await TabUntilAsync(page, Button(T("mailRule.save", language)), what: "the save button");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".notice-info")).ToContainTextAsync(T("adminMail.done.rules", language));
        Assert.Equal(("まもなく開始: {{eventTitle}}", "{{name}} 様\n参加はこちら: {{joinUrl}}"),
            await browser.App.QueryOneAsync<(string, string)>(
                "SELECT subject_ja, body_ja FROM reminder_rules WHERE id = @rule", new { rule }));
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }

    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task Survey_builder_adds_questions_opens_the_survey_and_leads_to_its_results_by_keyboard(string language)
    {
        var slug = await browser.App.CreateEventAsync(liveSeats: 10);
        await using var organiser = await OrganiserAsync(language);
        var page = organiser.Page;
        await organiser.GoAsync($"/admin/events/{slug}/survey");

        // Question 1 keeps its kind (single choice), is made required (Space), gets its labels and one option per line.
        await TabUntilAsync(page, f => f.Id == "kind0", what: "the first question");
        var typed = new Queue<string>(["何で知りましたか", "How did you hear of it?", "市の広報 | City newsletter\nSNS | Social media"]);
        await TabUntilAsync(page, f => f.Id == "kind1", async f =>
        {
            if (f.Type == "checkbox") await page.Keyboard.PressAsync("Space");
            else if (f.Tag is "input" or "textarea") await page.Keyboard.TypeAsync(typed.Dequeue());
        }, what: "the second question");
        Assert.Empty(typed);
        // Question 2: the arrow keys choose its kind (single, multiple, scale), then its label.
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await TabUntilAsync(page, f => f.Id == "labelJa1", what: "the second question's label");
        await page.Keyboard.TypeAsync("満足度");
        await TabUntilAsync(page, Button(T("surveyAdmin.save", language)));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".notice-info")).ToContainTextAsync(T("surveyAdmin.done.saved", language));
        var id = await EventIdAsync(slug);
        Assert.Equal([("single", true, "何で知りましたか", 2), ("scale", false, "満足度", 0)],
            (await browser.App.QueryAsync<(string, bool, string, string?)>(
                "SELECT kind, required, label_ja, options FROM survey_questions WHERE event_id = @id ORDER BY position", new { id }))
            .Select(q => (q.Item1, q.Item2, q.Item3, System.Text.Json.JsonDocument.Parse(q.Item4 ?? "[]").RootElement.GetArrayLength())));

        await TabUntilAsync(page, Button(T("surveyAdmin.to.open", language)), what: "the button that opens the survey");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".notice-info")).ToContainTextAsync(T("surveyAdmin.done.open", language));
        Assert.Equal("open", await browser.App.QueryOneAsync<string>("SELECT status FROM surveys WHERE event_id = @id", new { id }));

        // The link to the results; there, the download and each table of counts (which scrolls sideways on a phone) are reached.
        await TabUntilAsync(page, f => f.Tag == "a" && f.Text == T("surveyAdmin.results", language), what: "the results link");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 }))
            .ToContainTextAsync(T("surveyAdmin.resultsTitle", language));
        Assert.Equal($"/admin/events/{slug}/survey-results", organiser.Path);
        var passed = new List<string>();
        await TabUntilAsync(page, f => f.Role == "region", f => { passed.Add(f.Text); return Task.CompletedTask; }, "a table of counts");
        Assert.Contains(T("surveyAdmin.export", language), passed);
        await TabUntilAsync(page, f => f.Role == "region", what: "the second table of counts");
        organiser.AssertOwnOriginOnlyAndNoErrors();
    }
}
