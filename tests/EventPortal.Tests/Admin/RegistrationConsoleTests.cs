using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// The organiser's registrations console: the list, its filters and counts, and the actions
/// on one registration. Run once on SQLite and once on PostgreSQL: the filter SQL is shared.
/// </summary>
public abstract partial class RegistrationConsole
{
    protected abstract Task<PortalApp> StartAsync();

    [Fact]
    public async Task Without_sign_in_the_list_the_detail_the_export_and_the_actions_redirect_to_sign_in()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var id = await app.RegisterPersonAsync(slug, "a@example.jp");
        using var anonymous = app.Client();

        foreach (var path in new[]
        {
            $"/admin/events/{slug}/registrations",
            $"/admin/events/{slug}/registrations.csv",
            $"/admin/events/{slug}/registrations/{id}"
        })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/admin/signin", response.Headers.Location!.AbsolutePath);
        }
        var post = await anonymous.PostAsync($"/admin/events/{slug}/registrations/{id}/cancel", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.Equal("confirmed", await app.QueryOneAsync<string>("SELECT status FROM registrations WHERE id = @id", new { id }));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/admin/events/{slug}/registrations")).StatusCode);
    }

    [Fact]
    public async Task Search_and_filters_narrow_the_list_and_the_export_link_keeps_them()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 2);
        await app.RegisterPersonAsync(slug, "yamada@example.jp",
            family: "山田", given: "花子", reading: "ヤマダ ハナコ", organization: "横浜市役所", category: "municipal");
        await app.RegisterPersonAsync(slug, "suzuki@example.jp",
            family: "鈴木", given: "一郎", reading: "スズキ イチロウ", organization: "NPO法人みらい", category: "npo");
        await app.RegisterPersonAsync(slug, "sato@example.jp",
            family: "佐藤", given: "次郎", reading: "サトウ ジロウ", organization: "大学", category: "research");
        await app.RegisterPersonAsync(slug, "tanaka@example.jp",
            family: "田中", given: "三郎", reading: "タナカ サブロウ", organization: "新聞社", category: "research", ticket: "recording");
        using var browser = await app.SignedInAsync();

        async Task<List<string>> NamesAsync(string query)
        {
            var html = await browser.GetStringAsync($"/admin/events/{slug}/registrations{query}");
            var document = new HtmlParser().ParseDocument(html);
            return document.QuerySelectorAll("table.registrations tbody tr td:nth-child(3)").Select(td => td.TextContent.Trim()).ToList();
        }

        Assert.Equal(4, (await NamesAsync("")).Count);
        Assert.Equal(["山田 花子"], await NamesAsync("?q=" + Uri.EscapeDataString("やまだ")));          // reading, typed in hiragana
        Assert.Equal(["山田 花子"], await NamesAsync("?q=" + Uri.EscapeDataString("山田花子")));        // full name without a space
        Assert.Equal(["鈴木 一郎"], await NamesAsync("?q=SUZUKI%40EXAMPLE"));                             // e-mail, any case
        Assert.Equal(["鈴木 一郎"], await NamesAsync("?q=" + Uri.EscapeDataString("ｎｐｏ")));          // organisation, full-width
        Assert.Empty(await NamesAsync("?q=%25"));                                                          // LIKE wildcards are literal
        Assert.Equal(["田中 三郎"], await NamesAsync("?ticket=recording"));
        Assert.Equal(["佐藤 次郎"], await NamesAsync("?status=waitlisted"));
        Assert.Equal(2, (await NamesAsync("?category=research")).Count);
        Assert.Equal(["田中 三郎"], await NamesAsync("?category=research&status=confirmed"));
        Assert.Equal(4, (await NamesAsync("?status=bogus&attendance=maybe")).Count);                      // unknown values are ignored

        var page = await browser.GetStringAsync($"/admin/events/{slug}/registrations?category=research&status=active");
        Assert.Contains($"href=\"/admin/events/{slug}/registrations.csv?status=active&amp;category=research\"", page);
        Assert.Contains("<option value=\"research\" selected=\"selected\">", page);
    }

    [Fact]
    public async Task Counts_per_ticket_and_category_come_as_an_accessible_chart_and_a_table()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        await app.RegisterPersonAsync(slug, "a@example.jp", category: "municipal");
        await app.RegisterPersonAsync(slug, "b@example.jp", category: "municipal");
        await app.RegisterPersonAsync(slug, "c@example.jp", category: "npo", ticket: "recording");
        using var browser = await app.SignedInAsync();

        var document = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/admin/events/{slug}/registrations"));

        var chart = document.QuerySelector("svg#chart-tickets")!;
        Assert.Equal("img", chart.GetAttribute("role"));
        Assert.Equal("チケット別の有効な申込: ライブ参加 2, 録画視聴 1", document.GetElementById(chart.GetAttribute("aria-labelledby")!)!.TextContent);
        var liveRow = document.QuerySelectorAll("table.counts tbody tr").First(tr => tr.QuerySelector("th")!.TextContent == "ライブ参加");
        Assert.Equal(["1", "1", "0", "1"], liveRow.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        var categories = document
            .GetElementById(document.QuerySelector("svg#chart-categories")!.GetAttribute("aria-labelledby")!)!
            .TextContent;
        Assert.Contains("自治体職員 2", categories);
        Assert.Contains("NPO等の団体 1", categories);
    }

    [Fact]
    public async Task The_list_shows_100_a_page()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: null);
        using var client = app.Client();
        foreach (var batch in Enumerable.Range(0, 130).Chunk(20))
            await Task.WhenAll(batch.Select(i => client.RegisteredAsync(slug, $"p{i}@example.jp")));
        using var browser = await app.SignedInAsync();

        var first = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/admin/events/{slug}/registrations"));
        var second = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/admin/events/{slug}/registrations?page=2"));

        Assert.Equal(100, first.QuerySelectorAll("table.registrations tbody tr").Length);
        Assert.Equal(30, second.QuerySelectorAll("table.registrations tbody tr").Length);
        Assert.Equal($"/admin/events/{slug}/registrations?page=2", first.QuerySelector("a[rel=next]")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Cancelling_on_behalf_asks_first_then_promotes_the_oldest_waitlisted_and_is_audited()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        var seated = await app.RegisterPersonAsync(slug, "seated@example.jp");
        var oldest = await app.RegisterPersonAsync(slug, "oldest@example.jp");
        var younger = await app.RegisterPersonAsync(slug, "younger@example.jp");
        using var browser = await app.SignedInAsync();
        var detail = $"/admin/events/{slug}/registrations/{seated}";

        var question = await browser.GetStringAsync(detail + "/cancel");
        Assert.Contains($"action=\"{detail}/cancel\"", question);
        Assert.Equal("confirmed", await app.StatusAsync(seated));

        var done = await browser.SubmitAsync(detail + "/cancel", detail + "/cancel", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Equal(detail + "?done=cancelled", done.Headers.Location!.OriginalString);
        Assert.Equal("cancelled", await app.StatusAsync(seated));
        Assert.Equal("confirmed", await app.StatusAsync(oldest));
        Assert.Equal("waitlisted", await app.StatusAsync(younger));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE dedupe_key = @k", new { k = $"cancel:{seated}" }));
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key = @k", new { k = $"promoted:{oldest}" }));
        var audit = await app.QueryOneAsync<(string Target, string Detail)>(
            "SELECT target, detail FROM audit_log WHERE action = 'registration.cancel'");
        Assert.Equal($"registration:{seated}", audit.Target);
        Assert.DoesNotContain("@", audit.Detail + audit.Target);
        Assert.Contains("class=\"notice notice-info\"", await browser.GetStringAsync(detail + "?done=cancelled"));
    }

    [Fact]
    public async Task Promoting_by_hand_needs_a_free_seat()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        await app.RegisterPersonAsync(slug, "seated@example.jp");
        var waiting = await app.RegisterPersonAsync(slug, "waiting@example.jp");
        using var browser = await app.SignedInAsync();
        var detail = $"/admin/events/{slug}/registrations/{waiting}";

        var full = await browser.SubmitAsync(detail, detail + "/promote", new Dictionary<string, string>());
        Assert.Equal(detail + "?done=noSeat", full.Headers.Location!.OriginalString);
        Assert.Equal("waitlisted", await app.StatusAsync(waiting));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());

        // A second seat, made behind the app's back so that nobody is promoted to it automatically.
        await app.ExecuteAsync("UPDATE ticket_types SET capacity = 2 WHERE code = 'live'");
        await app.ExecuteAsync("INSERT INTO seats (ticket_type_id, seat_no) SELECT id, 2 FROM ticket_types WHERE code = 'live'");
        var promoted = await browser.SubmitAsync(detail, detail + "/promote", new Dictionary<string, string>());

        Assert.Equal(detail + "?done=promoted", promoted.Headers.Location!.OriginalString);
        Assert.Equal("confirmed", await app.StatusAsync(waiting));
        Assert.NotNull(await app.QueryOneAsync<DateTime?>("SELECT promoted_at FROM registrations WHERE id = @waiting", new { waiting }));
        Assert.Equal(2, await app.LiveSeatsTakenAsync());
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key = @k AND kind = 'mail.registration_promoted'",
            new { k = $"promoted:{waiting}" }));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.promote'"));

        // A second click changes nothing and takes no second seat.
        var again = await browser.SubmitAsync(detail, detail + "/promote", new Dictionary<string, string>());
        Assert.Equal(detail + "?done=unchanged", again.Headers.Location!.OriginalString);
        Assert.Equal(2, await app.LiveSeatsTakenAsync());
    }

    [Fact]
    public async Task Attendance_is_recorded_cleared_and_filterable()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var came = await app.RegisterPersonAsync(slug, "came@example.jp", family: "来場");
        var away = await app.RegisterPersonAsync(slug, "away@example.jp", family: "欠席");
        await app.RegisterPersonAsync(slug, "unknown@example.jp", family: "不明");
        using var browser = await app.SignedInAsync();
        Task<HttpResponseMessage> MarkAsync(long id, string value) => browser.SubmitAsync(
            $"/admin/events/{slug}/registrations/{id}",
            $"/admin/events/{slug}/registrations/{id}/attendance",
            new Dictionary<string, string> { ["attended"] = value });

        Assert.Equal(HttpStatusCode.SeeOther, (await MarkAsync(came, "yes")).StatusCode);
        await MarkAsync(away, "yes");
        await MarkAsync(away, "no");

        Assert.True(await app.QueryOneAsync<bool?>("SELECT attended FROM registrations WHERE id = @came", new { came }));
        Assert.False(await app.QueryOneAsync<bool?>("SELECT attended FROM registrations WHERE id = @away", new { away }));
        var yes = await browser.GetStringAsync($"/admin/events/{slug}/registrations?attendance=yes");
        Assert.Contains("来場", yes);
        Assert.DoesNotContain("欠席 花子", yes);
        var unknown = await browser.GetStringAsync($"/admin/events/{slug}/registrations?attendance=unknown");
        Assert.Contains("不明", unknown);
        Assert.DoesNotContain("来場", unknown);

        await MarkAsync(came, "unknown");
        Assert.Null(await app.QueryOneAsync<bool?>("SELECT attended FROM registrations WHERE id = @came", new { came }));
        Assert.Equal(HttpStatusCode.BadRequest, (await MarkAsync(came, "perhaps")).StatusCode);
        Assert.Equal(4, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.attendance'"));
    }

    [Fact]
    public async Task Resending_queues_the_confirmation_once_per_window()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var id = await app.RegisterPersonAsync(slug, "again@example.jp");
        using var browser = await app.SignedInAsync();
        var detail = $"/admin/events/{slug}/registrations/{id}";

        var first = await browser.SubmitAsync(detail, detail + "/resend", new Dictionary<string, string>());
        await browser.SubmitAsync(detail, detail + "/resend", new Dictionary<string, string>());

        Assert.Equal(detail + "?done=resent", first.Headers.Location!.OriginalString);
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE registration_id = @id AND kind = 'mail.confirmation_resent'", new { id }));
        Assert.Equal(2, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registration.resend' AND target = @t",
            new { t = $"registration:{id}" }));
    }

    [Fact]
    public async Task The_api_lists_registrations_as_json_with_the_same_filters()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        await app.ExecuteAsync(
            "INSERT INTO event_questions (event_id, code, label_ja) SELECT id, 'q1', '参加経験' FROM events WHERE slug = @slug",
            new { slug });
        await app.RegisterPersonAsync(slug, "one@example.jp", category: "npo", answers: new() { ["q1"] = "はい" });
        await app.RegisterPersonAsync(slug, "two@example.jp", category: "npo");
        using var api = app.Api();

        var all = await api.GetFromJsonAsync<JsonElement>($"/api/admin/events/{slug}/registrations");
        var waitlisted = await api.GetFromJsonAsync<JsonElement>($"/api/admin/events/{slug}/registrations?status=waitlisted");

        Assert.Equal(2, all.GetArrayLength());
        Assert.Equal("one@example.jp", all[0].GetProperty("email").GetString());
        Assert.Equal("はい", all[0].GetProperty("answers").GetProperty("q1").GetString());
        Assert.Equal("npo", all[0].GetProperty("category").GetString());
        Assert.Equal("live", all[0].GetProperty("ticket").GetString());
        Assert.Equal(JsonValueKind.Null, all[0].GetProperty("attended").ValueKind);
        Assert.Equal(["two@example.jp"], waitlisted.EnumerateArray().Select(r => r.GetProperty("email").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/admin/events/no-such-event/registrations")).StatusCode);
    }
}

public sealed class RegistrationConsoleOnSqlite : RegistrationConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class RegistrationConsoleOnPostgres : RegistrationConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
