using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Surveys;

/// <summary>
/// The post-event survey: the organiser builds and opens it in the console, registrants answer from
/// /s/{token} with a plain form, results and the CSV count what was answered. On SQLite and PostgreSQL.
/// </summary>
public abstract class SurveyConsole
{
    protected abstract Task<PortalApp> StartAsync();

    /// <summary>Four questions: how they heard (single, required), topics (multiple), satisfaction (scale), comments (text).</summary>
    public static Dictionary<string, string> ModelSurvey(bool anonymous = false) => new()
    {
        ["introJa"] = "今後の改善のため、ご意見をお聞かせください。", ["anonymous"] = anonymous ? "yes" : "",
        ["kind0"] = "single", ["required0"] = "yes", ["labelJa0"] = "何で知りましたか", ["labelEn0"] = "How did you hear of it?",
        ["options0"] = "市の広報 | City newsletter\nSNS | Social media\n知人 | A friend",
        ["kind1"] = "multiple", ["labelJa1"] = "関心のあるテーマ", ["options1"] = "防災\n子育て\n環境",
        ["kind2"] = "scale", ["labelJa2"] = "満足度",
        ["kind3"] = "text", ["labelJa3"] = "ご意見・ご感想",
    };

    public static async Task<List<long>> BuildAndOpenAsync(HttpClient browser, PortalApp app, string slug, bool anonymous = false)
    {
        var page = $"/admin/events/{slug}/survey";
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync(page, page + "/save", ModelSurvey(anonymous))).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync(page, page + "/status",
            new Dictionary<string, string> { ["status"] = "open" })).StatusCode);
        return await app.QueryAsync<long>(
            "SELECT id FROM survey_questions WHERE event_id = (SELECT id FROM events WHERE slug = @slug) ORDER BY position", new { slug });
    }

    static async Task<HttpResponseMessage> AnswerAsync(HttpClient client, string token, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await client.GetStringAsync($"/s/{token}");
        var all = Journeys.WithHiddenFields(page, "survey", new Dictionary<string, string>()).Concat(fields).ToList();
        return await client.PostAsync($"/s/{token}", new FormUrlEncodedContent(all));
    }

    static KeyValuePair<string, string> Q(long id, string value) => new($"q{id}", value);

    [Fact]
    public async Task A_registrant_answers_once_changes_it_until_closing_and_bad_answers_change_nothing()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var id = await app.RegisterPersonAsync(slug, "a@example.jp", category: "municipal");
        var token = await app.ManageTokenAsync(id);
        using var browser = await app.SignedInAsync();
        using var client = app.Browser();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/s/{token}")).StatusCode);   // no survey yet
        var q = await BuildAndOpenAsync(browser, app, slug);
        Assert.Contains($"href=\"/s/{token}\"", await client.GetStringAsync($"/r/{token}"));          // on the personal page

        foreach (var bad in new KeyValuePair<string, string>[][]
        {
            [Q(q[1], "0")],                                   // the required question left out
            [Q(q[0], "3")],                                   // no fourth option
            [Q(q[0], "0"), Q(q[0], "1")],                     // two answers to a single choice
            [Q(q[0], "-1")], [Q(q[0], "x")],
            [Q(q[0], "0"), Q(q[2], "6")], [Q(q[0], "0"), Q(q[2], "0")],
            [Q(q[0], "0"), Q(q[1], "0"), Q(q[1], "7")],
            [Q(q[0], "0"), Q(q[3], new string('あ', 2001))], [Q(q[0], "0"), Q(q[3], "bell\u0007")],
        })
        {
            var refused = await AnswerAsync(client, token, bad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM survey_responses"));
        var missing = await AnswerAsync(client, token, [Q(q[2], "4")]);
        Assert.Contains("何で知りましたか", await missing.Content.ReadAsStringAsync());

        var sent = await AnswerAsync(client, token, [Q(q[0], "1"), Q(q[1], "0"), Q(q[1], "2"), Q(q[2], "4"), Q(q[3], "とても参考に\nなりました")]);
        Assert.Equal(HttpStatusCode.SeeOther, sent.StatusCode);
        var again = new HtmlParser().ParseDocument(await client.GetStringAsync($"/s/{token}"));
        Assert.True(again.QuerySelector($"input[name=q{q[1]}][value='2']")!.HasAttribute("checked"));
        Assert.Equal(HttpStatusCode.SeeOther, (await AnswerAsync(client, token, [Q(q[0], "2"), Q(q[2], "5")])).StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM survey_responses"));
        Assert.Equal($"{{\"{q[0]}\":2,\"{q[2]}\":5}}", await app.QueryOneAsync<string>("SELECT answers FROM survey_responses"));

        // A form opened before the organiser closes the survey is refused when sent after.
        var stale = Journeys.WithHiddenFields(await client.GetStringAsync($"/s/{token}"), "survey",
            new Dictionary<string, string> { [$"q{q[0]}"] = "0" });
        var page = $"/admin/events/{slug}/survey";
        await browser.SubmitAsync(page, page + "/status", new Dictionary<string, string> { ["status"] = "closed" });
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/s/{token}", new FormUrlEncodedContent(stale))).StatusCode);
        Assert.Equal($"{{\"{q[0]}\":2,\"{q[2]}\":5}}", await app.QueryOneAsync<string>("SELECT answers FROM survey_responses"));
        Assert.Contains("締め切りました", await client.GetStringAsync($"/s/{token}"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/s/AAAAAAAAAAAAAAAAAAAAAAAA")).StatusCode);
    }

    [Fact]
    public async Task A_registration_cancelled_after_answering_can_no_longer_change_its_answer()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var id = await app.RegisterPersonAsync(slug, "leaves@example.jp");
        var token = await app.ManageTokenAsync(id);
        using var browser = await app.SignedInAsync();
        using var client = app.Browser();
        var q = await BuildAndOpenAsync(browser, app, slug);
        Assert.Equal(HttpStatusCode.SeeOther, (await AnswerAsync(client, token, [Q(q[0], "0")])).StatusCode);

        // The form is opened, the registration cancelled from the personal page in another tab, then the form sent.
        var stale = Journeys.WithHiddenFields(await client.GetStringAsync($"/s/{token}"), "survey",
            new Dictionary<string, string> { [$"q{q[0]}"] = "2" });
        Assert.Equal(HttpStatusCode.SeeOther, (await client.CancelAsync($"/r/{token}")).StatusCode);
        Assert.Equal("cancelled", await app.StatusAsync(id));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/s/{token}", new FormUrlEncodedContent(stale))).StatusCode);
        Assert.Equal($"{{\"{q[0]}\":0}}", await app.QueryOneAsync<string>("SELECT answers FROM survey_responses"));

        // The page says so and offers no form.
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync($"/s/{token}"));
        Assert.Contains("このお申し込みではアンケートに回答できません", page.Body!.TextContent);
        Assert.Null(page.QuerySelector($"form[action='/s/{token}']"));
    }

    [Fact]
    public async Task Results_count_each_answer_overall_and_per_category_and_the_csv_leaves_names_out_when_anonymous()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        using var client = app.Browser();
        var q = await BuildAndOpenAsync(browser, app, slug, anonymous: true);
        var people = new[] { ("m1@example.jp", "municipal", "0"), ("m2@example.jp", "municipal", "0"), ("n1@example.jp", "npo", "2") };
        foreach (var (email, category, heard) in people)
        {
            var token = await app.ManageTokenAsync(await app.RegisterPersonAsync(slug, email, category: category, family: "=危険"));
            var answered = await AnswerAsync(client, token, [Q(q[0], heard), Q(q[2], "4"), Q(q[3], "=1+1")]);
            Assert.Equal(HttpStatusCode.SeeOther, answered.StatusCode);
        }

        var results = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/admin/events/{slug}/survey-results"));
        // The columns: the total, then the event's categories in order (municipal, intermediary, npo, …).
        string Row(int table, string label) => string.Join("|", results.QuerySelectorAll($"#table-{table} tbody tr")
            .Single(r => r.QuerySelector("th")!.TextContent == label).QuerySelectorAll("td").Select(td => td.TextContent)
            .Where((_, i) => i is 0 or 1 or 3));
        Assert.Equal("2|2|0", Row(1, "市の広報"));      // total, municipal, npo
        Assert.Equal("1|0|1", Row(1, "知人"));
        Assert.Contains("平均: 4.00", results.Body!.TextContent);
        Assert.Equal(3, results.QuerySelectorAll("ul.answers li").Length);

        // Answered: it stays anonymous, and an answered question keeps its kind and options.
        var page = $"/admin/events/{slug}/survey";
        var form = ModelSurvey(anonymous: false);
        for (var i = 0; i < q.Count; i++) form[$"id{i}"] = q[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await browser.SubmitAsync(page, page + "/save", form)).StatusCode);
        form["anonymous"] = "yes";
        form["kind0"] = "multiple";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await browser.SubmitAsync(page, page + "/save", form)).StatusCode);
        form["kind0"] = "single";
        form["labelJa0"] = "どこでお知りになりましたか";
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync(page, page + "/save", form)).StatusCode);

        var csv = Encoding.UTF8.GetString(await browser.GetByteArrayAsync($"/admin/events/{slug}/survey-results/csv"));
        Assert.StartsWith("\uFEFF参加者区分,回答日時,どこでお知りになりましたか", csv);
        Assert.DoesNotContain("example.jp", csv);
        Assert.DoesNotContain("危険", csv);
        Assert.Contains(",'=1+1", csv);                 // a formula is neutralised
        Assert.Contains("防災", await browser.GetStringAsync($"/admin/events/{slug}/survey"));
    }

    [Fact]
    public async Task The_builder_refuses_bad_questions_copies_an_earlier_survey_and_erasure_keeps_choices_but_not_text()
    {
        await using var app = await StartAsync();
        var earlier = await app.CreateEventAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        var page = $"/admin/events/{slug}/survey";
        foreach (var (field, value) in new[] { ("options0", "一つだけ"), ("kind0", "essay"), ("labelJa0", ""),
                     ("labelJa0", new string('問', 301)), ("labelJa0", "改行\u0001"), ("introJa", new string('a', 2001)) })
        {
            var form = ModelSurvey();
            form[field] = value;
            if (field == "labelJa0" && value == "") form["labelEn0"] = "English only";
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await browser.SubmitAsync(page, page + "/save", form)).StatusCode);
        }
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM survey_questions"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await browser.SubmitAsync(page, page + "/status",
            new Dictionary<string, string> { ["status"] = "open" })).StatusCode);

        await BuildAndOpenAsync(browser, app, earlier);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync(page, page + "/copy",
            new Dictionary<string, string> { ["from"] = earlier })).StatusCode);
        var copied = await BuildAndOpenAsync(browser, app, slug);
        Assert.Equal(4, copied.Count);

        var id = await app.RegisterPersonAsync(slug, "erase@example.jp");
        using var client = app.Browser();
        await AnswerAsync(client, await app.ManageTokenAsync(id), [Q(copied[0], "1"), Q(copied[3], "山田です、よろしく")]);
        var detail = $"/admin/events/{slug}/registrations/{id}";
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync(detail + "/erase", detail + "/erase",
            new Dictionary<string, string>())).StatusCode);
        Assert.Equal($"{{\"{copied[0]}\":1}}", await app.QueryOneAsync<string>("SELECT answers FROM survey_responses"));
        Assert.Null(await app.QueryOneAsync<long?>("SELECT registration_id FROM survey_responses"));
    }
}

public sealed class SurveyConsoleOnSqlite : SurveyConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class SurveyConsoleOnPostgres : SurveyConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
