using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// Attendance in the console: bulk marking from the registrations list, the CSV import with its dry
/// run, the threshold, and the rates. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class AttendanceConsole
{
    protected abstract Task<PortalApp> StartAsync();

    sealed class Mark
    {
        public bool? Attended { get; init; }
        public string? AttendedSource { get; init; }
    }

    static Task<Mark> MarkOfAsync(PortalApp app, long id) =>
        app.QueryOneAsync<Mark>("SELECT attended, attended_source FROM registrations WHERE id = @id", new { id });

    static async Task<HttpResponseMessage> MarkAsync(HttpClient browser, string slug, Dictionary<string, string> fields, params long[] ids)
    {
        var page = await browser.GetStringAsync($"/admin/events/{slug}/registrations");
        var all = Journeys.WithHiddenFields(page, "registrations", fields).ToList();
        all.AddRange(ids.Select(id => KeyValuePair.Create("id", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return await browser.PostAsync($"/admin/events/{slug}/attendance/mark", new FormUrlEncodedContent(all));
    }

    [Fact]
    public async Task Ticked_rows_or_the_whole_filter_are_marked_with_an_audit_row_each_and_the_rates_follow()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var other = await app.CreateEventAsync();
        var a = await app.RegisterPersonAsync(slug, "a@example.jp", category: "municipal");
        var b = await app.RegisterPersonAsync(slug, "b@example.jp", category: "npo");
        var c = await app.RegisterPersonAsync(slug, "c@example.jp", ticket: "recording");
        var stranger = await app.RegisterPersonAsync(other, "d@example.jp");
        using var browser = await app.SignedInAsync();

        var ticked = await MarkAsync(browser, slug, new() { ["scope"] = "ticked", ["mark"] = "yes" }, a, stranger);
        Assert.Equal(HttpStatusCode.SeeOther, ticked.StatusCode);
        Assert.Equal($"/admin/events/{slug}/registrations?done=marked&marked=1", ticked.Headers.Location!.OriginalString);
        Assert.True((await MarkOfAsync(app, a)).Attended);
        Assert.Equal("console", (await MarkOfAsync(app, a)).AttendedSource);
        Assert.Null((await MarkOfAsync(app, stranger)).Attended);    // another event's registration: untouched

        // Every live registration that the filter matches, not only this page's ticked ones.
        var filtered = await MarkAsync(browser, slug, new() { ["scope"] = "filter", ["mark"] = "no", ["ticket"] = "recording" });
        Assert.EndsWith("ticket=recording&done=marked&marked=1", filtered.Headers.Location!.OriginalString);
        Assert.False((await MarkOfAsync(app, c)).Attended);
        Assert.Null((await MarkOfAsync(app, b)).Attended);
        Assert.Equal(2, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registration.attendance' AND target IN (@a, @c)",
            new { a = $"registration:{a}", c = $"registration:{c}" }));

        // Nothing ticked, or a mark that is not one: nothing changes.
        var none = await MarkAsync(browser, slug, new() { ["scope"] = "ticked", ["mark"] = "yes" });
        Assert.EndsWith("done=markNone", none.Headers.Location!.OriginalString);
        var bogus = await MarkAsync(browser, slug, new() { ["scope"] = "filter", ["mark"] = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
        Assert.Null((await MarkOfAsync(app, b)).Attended);

        // Rates count confirmed live registrations only: a attended, b unknown → 50 %; by category municipal 100 %, npo 0 %.
        var html = await browser.GetStringAsync($"/admin/events/{slug}/registrations?done=marked&marked=1");
        var document = new HtmlParser().ParseDocument(html);
        string Row(string table, string label) => document.QuerySelectorAll($"#{table} tbody tr")
            .Single(r => r.QuerySelector("th")!.TextContent.Trim() == label).TextContent;
        Assert.Contains("50.0 %", Row("rate-ticket", "ライブ参加"));
        Assert.Contains("100.0 %", Row("rate-category", "自治体職員"));
        Assert.Contains("1件の出欠を記録しました", html);
    }

    static async Task<(HttpResponseMessage Response, string Html)> CheckAsync(HttpClient browser, string slug, byte[] file)
    {
        var page = await browser.GetStringAsync($"/admin/events/{slug}/attendance");
        var response = await browser.PostAsync($"/admin/events/{slug}/attendance/import",
            Journeys.Upload(page, "attendance", file, "出欠.csv"));
        return (response, await response.Content.ReadAsStringAsync());
    }

    static async Task<HttpResponseMessage> ApplyAsync(HttpClient browser, string slug, string checkedPage)
    {
        var document = new HtmlParser().ParseDocument(checkedPage);
        var marks = document.QuerySelector("input[name=marks]")!.GetAttribute("value")!;
        return await browser.PostAsync($"/admin/events/{slug}/attendance/import", new FormUrlEncodedContent(
            Journeys.WithHiddenFields(checkedPage, "attendance",
                new Dictionary<string, string> { ["apply"] = "1", ["marks"] = marks })));
    }

    [Fact]
    public async Task A_shift_jis_file_is_checked_first_and_applied_only_on_the_second_step()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var a = await app.RegisterPersonAsync(slug, "a@example.jp");
        var b = await app.RegisterPersonAsync(slug, "b@example.jp");
        var c = await app.RegisterPersonAsync(slug, "c@example.jp");
        using var browser = await app.SignedInAsync();
        var sjis = CodePagesEncodingProvider.Instance.GetEncoding(932)!;
        var file = sjis.GetBytes($"申込番号,氏名,出欠\r\n{a},山田 花子,出席\r\n{b},\"鈴木, 一郎\",欠席\r\n{c},佐藤,\r\n");

        var (check, html) = await CheckAsync(browser, slug, file);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Contains("出席にする: 1件", html);
        Assert.Contains("欠席にする: 1件", html);
        Assert.Null((await MarkOfAsync(app, a)).Attended);      // a dry run changes nothing

        var applied = await ApplyAsync(browser, slug, html);
        Assert.Equal(HttpStatusCode.SeeOther, applied.StatusCode);
        Assert.True((await MarkOfAsync(app, a)).Attended);
        Assert.Equal("import", (await MarkOfAsync(app, a)).AttendedSource);
        Assert.False((await MarkOfAsync(app, b)).Attended);
        Assert.Null((await MarkOfAsync(app, c)).Attended);      // an empty mark leaves the row alone
    }

    [Fact]
    public async Task The_console_export_with_its_attendance_column_filled_in_imports_as_it_is()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var a = await app.RegisterPersonAsync(slug, "a@example.jp");
        var b = await app.RegisterPersonAsync(slug, "B.Upper@Example.jp");
        using var browser = await app.SignedInAsync();
        var export = await browser.GetByteArrayAsync($"/admin/events/{slug}/registrations.csv");
        var text = Encoding.UTF8.GetString(export);            // keeps the BOM, as a re-saved file would
        var lines = text.Split("\r\n").Select(l => l.StartsWith($"{a},", StringComparison.Ordinal) ? l.Replace(",未記録,", ",出席,") : l);

        var (check, html) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes(string.Join("\r\n", lines)));
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Contains("出席にする: 1件", html);
        Assert.Contains("未記録に戻す: 1件", html);               // b's "未記録" as exported
        Assert.Equal(HttpStatusCode.SeeOther, (await ApplyAsync(browser, slug, html)).StatusCode);
        Assert.True((await MarkOfAsync(app, a)).Attended);

        // By e-mail, in another case, from a UTF-8 file without a BOM.
        var (_, byMail) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes("メールアドレス,出欠\nb.upper@EXAMPLE.jp,○\n"));
        Assert.Equal(HttpStatusCode.SeeOther, (await ApplyAsync(browser, slug, byMail)).StatusCode);
        Assert.True((await MarkOfAsync(app, b)).Attended);

        var after = Encoding.UTF8.GetString(await browser.GetByteArrayAsync($"/admin/events/{slug}/registrations.csv"));
        Assert.Contains(",出席,", after.Split("\r\n").Single(l => l.StartsWith($"{a},", StringComparison.Ordinal)));
        Assert.Contains("CSV取り込み", after);
    }

    [Fact]
    public async Task A_file_with_bad_rows_lists_every_problem_and_applies_nothing_even_when_sent_as_checked()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var other = await app.CreateEventAsync();
        var a = await app.RegisterPersonAsync(slug, "a@example.jp");
        var stranger = await app.RegisterPersonAsync(other, "z@example.jp");
        using var browser = await app.SignedInAsync();
        var csv = $"申込番号,メールアドレス,出欠\n{a},,出席\n{stranger},,出席\n,nobody@example.jp,欠席\nabc,,出席\n{a},,欠席\n,,出席\n{a},,たぶん\n";

        var (check, html) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes(csv));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, check.StatusCode);
        foreach (var expected in new[]
        {
            $"3行目: 申込番号「{stranger}」はこのイベントの申込にありません", "4行目: メールアドレス「nobody@example.jp」の申込はこのイベントにありません",
            "5行目: 申込番号「abc」", "6行目: 2行目と同じ申込に、違う出欠", "7行目: 申込番号もメールアドレスもありません", "8行目: 出欠「たぶん」を読めません",
        })
            Assert.Contains(expected, html);
        Assert.DoesNotContain("name=\"apply\"", html);

        // An apply step with marks that are not marks is refused; one naming another event's registration changes nothing there.
        foreach (var bad in new[] { "", "abc", $"{a}:yes", $"{a}:1,x", $"-{a}:1", $"{a}:1:1" })
        {
            var forced = await browser.PostAsync($"/admin/events/{slug}/attendance/import", new FormUrlEncodedContent(
                Journeys.WithHiddenFields(html, "attendance", new Dictionary<string, string> { ["apply"] = "1", ["marks"] = bad })));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, forced.StatusCode);
        }
        await browser.PostAsync($"/admin/events/{slug}/attendance/import", new FormUrlEncodedContent(
            Journeys.WithHiddenFields(html, "attendance",
                new Dictionary<string, string> { ["apply"] = "1", ["marks"] = $"{stranger}:1" })));
        Assert.Null((await MarkOfAsync(app, a)).Attended);
        Assert.Null((await MarkOfAsync(app, stranger)).Attended);

        var (noHeader, headerHtml) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes($"{a},出席\n"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noHeader.StatusCode);
        Assert.Contains("1行目に「申込番号」または「メールアドレス」と", headerHtml);
        var (empty, _) = await CheckAsync(browser, slug, []);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task The_threshold_takes_whole_minutes_from_0_to_1440_and_refuses_anything_else()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        async Task<HttpStatusCode> SetAsync(string minutes) =>
            (await browser.SubmitAsync($"/admin/events/{slug}/attendance", $"/admin/events/{slug}/attendance/threshold",
                new Dictionary<string, string> { ["minutes"] = minutes })).StatusCode;

        Assert.Equal(10, await app.QueryOneAsync<int>("SELECT attendance_minutes FROM events WHERE slug = @slug", new { slug }));
        foreach (var bad in new[] { "-1", "1441", "abc", "", "9999999999999" })
            Assert.Equal(HttpStatusCode.BadRequest, await SetAsync(bad));
        Assert.Equal(HttpStatusCode.SeeOther, await SetAsync("30"));
        Assert.Equal(30, await app.QueryOneAsync<int>("SELECT attendance_minutes FROM events WHERE slug = @slug", new { slug }));
        // A manual meeting has no report to read.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.SubmitAsync($"/admin/events/{slug}/attendance",
            $"/admin/events/{slug}/attendance/report", new Dictionary<string, string>())).StatusCode);
    }

    [Fact]
    public async Task The_admin_api_marks_a_list_checks_every_entry_first_and_reports_attendance_with_its_source()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var other = await app.CreateEventAsync();
        var a = await app.RegisterPersonAsync(slug, "a@example.jp");
        var b = await app.RegisterPersonAsync(slug, "b@example.jp");
        var stranger = await app.RegisterPersonAsync(other, "z@example.jp");
        using var api = app.Api();
        Task<HttpResponseMessage> PutAsync(string json) => api.PutAsync($"/api/admin/events/{slug}/attendance",
            new StringContent(json, Encoding.UTF8, "application/json"));

        foreach (var malformed in new[] { "{}", "not json" })
            Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync(malformed)).StatusCode);
        foreach (var (bad, field) in new[] { ("[{\"id\": \"1\", \"attended\": true}]", "[0].id"),
                     ($"[{{\"id\": {a}, \"attended\": \"yes\"}}]", "[0].attended"),
                     ($"[{{\"id\": {a}, \"attended\": true}}, {{\"id\": -5, \"attended\": true}}]", "[1].id"), ("[1]", "[0].id") })
        {
            var refused = await PutAsync(bad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains($"\"{field}\"", await refused.Content.ReadAsStringAsync());
        }
        Assert.Null((await MarkOfAsync(app, a)).Attended);          // one bad entry: nothing marked
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await api.PutAsync($"/api/admin/events/{slug}/attendance",
            new StringContent("[]", Encoding.UTF8, "text/plain"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PutAsync("/api/admin/events/no-such/attendance",
            new StringContent("[]", Encoding.UTF8, "application/json"))).StatusCode);

        var ok = await PutAsync($"[{{\"id\": {a}, \"attended\": true}}, {{\"id\": {b}, \"attended\": false}}, " +
            $"{{\"id\": {stranger}, \"attended\": true}}]");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var answer = System.Text.Json.JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, answer.GetProperty("marked").GetInt32());
        Assert.Equal([stranger], answer.GetProperty("unknown").EnumerateArray().Select(x => x.GetInt64()));
        Assert.Null((await MarkOfAsync(app, stranger)).Attended);

        var list = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync($"/api/admin/events/{slug}/registrations")).RootElement;
        var first = list.EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == a).GetProperty("attendance");
        Assert.True(first.GetProperty("attended").GetBoolean());
        Assert.Equal("api", first.GetProperty("source").GetString());
    }
}

public sealed class AttendanceConsoleOnSqlite : AttendanceConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class AttendanceConsoleOnPostgres : AttendanceConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
