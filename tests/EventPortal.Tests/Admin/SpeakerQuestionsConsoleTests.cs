using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// The moderator's view of the registration form's "question for the speakers": what is listed, the
/// category filter, hidden names, the printable sheet, and who may open it. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class SpeakerQuestionsConsole
{
    protected abstract Task<PortalApp> StartAsync();

    static async Task<(HttpResponseMessage Response, IDocument Page)> OpenAsync(HttpClient browser, string slug, string query = "")
    {
        var response = await browser.GetAsync($"/admin/events/{slug}/questions{query}");
        return (response, new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()));
    }

    static List<string> Texts(IDocument page) =>
        page.QuerySelectorAll(".speaker-questions .question-text").Select(p => p.TextContent).ToList();

    static List<string> Metas(IDocument page) =>
        page.QuerySelectorAll(".speaker-questions .question-meta").Select(p => p.TextContent).ToList();

    [Fact]
    public async Task Questions_of_active_registrations_are_listed_oldest_first_with_sender_and_line_breaks_kept()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var other = await app.CreateEventAsync();
        await app.RegisterPersonAsync(slug, "a@example.jp", family: "青木", given: "一郎", organization: "横浜市役所",
            questions: "事例の規模を教えてください。\n予算も知りたいです。");
        await app.RegisterPersonAsync(slug, "b@example.jp", family: "坂本", category: "npo");
        var cancelled = await app.RegisterPersonAsync(slug, "c@example.jp", family: "千葉", questions: "取り消した質問");
        await app.RegisterPersonAsync(slug, "d@example.jp", family: "土屋", given: "二郎", organization: "NPO法人みらい",
            category: "npo", ticket: "recording", questions: "録画でも質問できますか?");
        await app.RegisterPersonAsync(other, "e@example.jp", questions: "よそのイベントの質問");
        using var browser = await app.SignedInAsync();
        var detail = $"/admin/events/{slug}/registrations/{cancelled}";
        Assert.Equal(HttpStatusCode.SeeOther,
            (await browser.SubmitAsync(detail + "/cancel", detail + "/cancel", new Dictionary<string, string>())).StatusCode);
        Assert.Equal("cancelled", await app.StatusAsync(cancelled));

        var (response, page) = await OpenAsync(browser, slug);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["事例の規模を教えてください。\n予算も知りたいです。", "録画でも質問できますか?"], Texts(page));
        Assert.Contains("質問: 2件", page.QuerySelector("[role=status]")!.TextContent);
        var metas = Metas(page);
        Assert.StartsWith("青木 一郎 · 横浜市役所 · 自治体職員 · ライブ参加 · ", metas[0]);
        Assert.StartsWith("土屋 二郎 · NPO法人みらい · NPO等の団体 · 録画視聴 · ", metas[1]);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", metas[0]);
        Assert.DoesNotContain("取り消した質問", page.Body!.TextContent);
        Assert.DoesNotContain("よそのイベントの質問", page.Body!.TextContent);
        // The event list links each event to its questions.
        Assert.Contains($"href=\"/admin/events/{slug}/questions\"", await browser.GetStringAsync("/admin/events"));
    }

    [Fact]
    public async Task The_category_filter_narrows_the_list_and_an_unknown_category_is_refused_with_a_message()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        await app.RegisterPersonAsync(slug, "a@example.jp", questions: "自治体からの質問");
        await app.RegisterPersonAsync(slug, "b@example.jp", category: "npo", questions: "NPOからの質問");
        using var browser = await app.SignedInAsync();

        var (_, npo) = await OpenAsync(browser, slug, "?category=npo");
        Assert.Equal(["NPOからの質問"], Texts(npo));
        Assert.Contains("質問: 1件", npo.QuerySelector("[role=status]")!.TextContent);
        Assert.True(npo.QuerySelector("#f-category option[value=npo]")!.HasAttribute("selected"));
        Assert.Equal($"/admin/events/{slug}/questions?category=npo&print=1",
            npo.QuerySelector("a.button-secondary")!.GetAttribute("href"));

        var (refused, unknown) = await OpenAsync(browser, slug, "?category=no-such-category");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("指定された参加者区分はこのイベントにありません", unknown.QuerySelector(".error-summary")!.TextContent);
        Assert.Empty(Texts(unknown));     // never read as "every category"
        Assert.NotNull(unknown.QuerySelector("form.filters select#f-category"));
    }

    [Fact]
    public async Task Names_are_hidden_when_asked_and_the_printable_sheet_has_no_console_navigation_or_form()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        await app.RegisterPersonAsync(slug, "a@example.jp", family: "青木", given: "一郎", organization: "横浜市役所",
            questions: "匿名で読まれる質問");
        using var browser = await app.SignedInAsync();

        var (_, anonymous) = await OpenAsync(browser, slug, "?anonymous=1");
        Assert.StartsWith("横浜市役所 · 自治体職員 · ", Assert.Single(Metas(anonymous)));
        Assert.DoesNotContain("青木", anonymous.Body!.TextContent);
        Assert.True(anonymous.QuerySelector("input[name=anonymous]")!.HasAttribute("checked"));

        var (printed, sheet) = await OpenAsync(browser, slug, "?anonymous=1&print=1");
        Assert.Equal(HttpStatusCode.OK, printed.StatusCode);
        Assert.Equal(["匿名で読まれる質問"], Texts(sheet));
        Assert.DoesNotContain("青木", sheet.Body!.TextContent);
        Assert.Null(sheet.QuerySelector(".admin-nav"));
        Assert.Null(sheet.QuerySelector("form"));
        Assert.Contains("print-sheet", sheet.Body!.ClassName);
        Assert.Equal($"/admin/events/{slug}/questions?anonymous=1", sheet.QuerySelector(".no-print a")!.GetAttribute("href"));

        var (_, named) = await OpenAsync(browser, slug, "?print=1");
        Assert.StartsWith("青木 一郎 · ", Assert.Single(Metas(named)));
    }

    [Fact]
    public async Task Markup_in_a_question_is_shown_as_text()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        const string Markup = "<script>alert('x')</script><b>太字</b> & \"引用\"";
        await app.RegisterPersonAsync(slug, "a@example.jp", questions: Markup);
        using var browser = await app.SignedInAsync();

        var html = await browser.GetStringAsync($"/admin/events/{slug}/questions");
        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("<b>太字</b>", html);
        Assert.Equal([Markup], Texts(new HtmlParser().ParseDocument(html)));
    }

    [Fact]
    public async Task Only_a_signed_in_organiser_may_open_it_not_a_visitor_an_api_token_or_a_disabled_account()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        await app.RegisterPersonAsync(slug, "a@example.jp", questions: "非公開の質問");
        using var owner = await app.SignedInAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync("/admin/accounts", "/admin/accounts/add",
            new Dictionary<string, string>
            {
                ["email"] = "staff@example.jp", ["name"] = "スタッフ", ["role"] = "staff", ["password"] = "another long password",
            })).StatusCode);
        using var staff = await app.SignedInAsync("staff@example.jp", "another long password");
        Assert.Equal(["非公開の質問"], Texts((await OpenAsync(staff, slug)).Page));
        var staffId = await app.QueryOneAsync<long>("SELECT id FROM admins WHERE email = 'staff@example.jp'");
        await owner.SubmitAsync("/admin/accounts", $"/admin/accounts/disable?id={staffId}", new Dictionary<string, string>());

        using var visitor = app.Client();
        using var api = app.Api();
        foreach (var (who, client) in new[] { ("visitor", visitor), ("api token", api), ("disabled staff", staff) })
        {
            var response = await client.GetAsync($"/admin/events/{slug}/questions?print=1");
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{who}: {(int)response.StatusCode}");
            Assert.StartsWith("/admin/signin", response.Headers.Location!.AbsolutePath);
            Assert.DoesNotContain("非公開の質問", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync("/admin/events/no-such-event/questions")).StatusCode);
    }
}

public sealed class SpeakerQuestionsConsoleOnSqlite : SpeakerQuestionsConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class SpeakerQuestionsConsoleOnPostgres : SpeakerQuestionsConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
