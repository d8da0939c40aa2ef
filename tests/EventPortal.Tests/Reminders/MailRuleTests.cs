using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;
using static EventPortal.Tests.Reminders.MailRuleKit;

namespace EventPortal.Tests.Reminders;

/// <summary>
/// Mail rules the organiser writes: from the start or the end, to attendees or not, with their own text and
/// placeholders; read from a real SMTP server, with a clock the test moves. On SQLite and PostgreSQL.
/// </summary>
public abstract class MailRules
{
    protected abstract Task<PortalApp> StartAppAsync(Dictionary<string, string?> settings, TestClock clock);

    Task<(SmtpServer Smtp, PortalApp App, TestClock Clock)> StartAsync() => MailRuleKit.StartAsync(StartAppAsync);

    static async Task<JsonArray> RulesAsync(HttpClient api, string slug) =>
        (await api.GetFromJsonAsync<JsonArray>($"/api/admin/events/{slug}/reminders"))!;

    [Fact]
    public async Task After_the_end_attendees_get_the_thank_you_the_others_the_organisers_text_each_once_through_edits_and_a_move()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        var came = await client.RegisteredAsync(slug, "came@example.jp");
        await client.RegisteredAsync(slug, "away@example.jp");
        var recording = await client.RegisteredAsync(slug, "rec@example.jp", "recording");
        await SettleAsync(smtp, 3);
        using var api = app.Api();
        var rules = await RulesAsync(api, slug);
        Assert.Equal(3, rules.Count);    // the defaults: the day before, the hour before, the thank-you
        rules.Add(new JsonObject
        {
            ["offsetMinutes"] = 180, ["audience"] = "all", ["anchor"] = "end", ["attendance"] = "not_attended",
            ["subjectJa"] = "{{eventTitle}}の資料のご案内", ["bodyJa"] = "{{name}} 様\n資料はこちら: {{manageUrl}}\n録画: {{watchUrl}}",
        });
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", rules)).StatusCode);
        var ids = await app.QueryAsync<long>("SELECT id FROM registrations ORDER BY id");
        var marked = await api.PutAsJsonAsync($"/api/admin/events/{slug}/attendance",
            new[] { new { id = ids[0], attended = (bool?)true }, new { id = ids[1], attended = (bool?)false } });
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);

        clock.Now = new DateTimeOffset(Start);
        await SettleAsync(smtp, 3 + 3 + 2);   // the day before (3), the hour before (2 live)
        clock.Now = new DateTimeOffset(End.AddHours(2));
        await SettleAsync(smtp, 9);
        var thanks = Assert.Single(await MailsAsync(smtp, "came@example.jp", "【御礼】"));
        Assert.Contains("https://portal.example.jp" + came, thanks.Text("text/plain"));
        Assert.Empty(await MailsAsync(smtp, "away@example.jp", "【御礼】"));

        clock.Now = new DateTimeOffset(End.AddHours(3));
        await SettleAsync(smtp, 11);
        var written = Assert.Single(await MailsAsync(smtp, "rec@example.jp", "テスト説明会"));
        Assert.EndsWith("の資料のご案内", written.Subject);
        var text = written.Text("text/plain")!;
        Assert.Contains("山田 花子 様", text);
        Assert.Contains("資料はこちら: https://portal.example.jp" + recording, text);
        Assert.DoesNotContain("{{", text);
        Assert.Single(await MailsAsync(smtp, "away@example.jp", "テスト説明会"));
        Assert.Empty(await MailsAsync(smtp, "came@example.jp", "テスト説明会"));

        // The organiser edits the text of the rule already sent, then moves the event a day later:
        // every rule is due again, and none goes a second time to anyone it reached.
        rules = await RulesAsync(api, slug);
        rules.Single(r => r!["offsetMinutes"]!.GetValue<int>() == 180)!["bodyJa"] = "改訂版: {{manageUrl}}";
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", rules)).StatusCode);
        await api.RescheduleAsync(slug, Start.AddDays(1), End.AddDays(1));
        await SettleAsync(smtp, 14);           // the change notice to the three
        clock.Now = new DateTimeOffset(End.AddDays(1).AddHours(4));
        await SettleAsync(smtp, 14);
    }

    [Fact]
    public async Task A_late_rule_reaches_a_registrant_after_its_time_at_once_and_a_plain_one_does_not()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var api = app.Api();
        var put = await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", new object[]
        {
            new { offsetMinutes = -60, audience = "recording", late = true, subjectJa = "録画のご案内", bodyJa = "{{manageUrl}}" },
            new { offsetMinutes = -60, audience = "all", subjectJa = "まもなく開始", bodyJa = "一時間後に始まります" },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        clock.Now = new DateTimeOffset(Start.AddMinutes(-30));
        using var client = app.Client();
        await client.RegisteredAsync(slug, "late@example.jp", "recording");
        await SettleAsync(smtp, 2);            // the confirmation and the late rule, nothing else
        Assert.Single(await MailsAsync(smtp, "late@example.jp", "録画のご案内"));
        Assert.Empty(await MailsAsync(smtp, "late@example.jp", "まもなく開始"));
    }

    [Fact]
    public async Task A_one_off_message_scheduled_for_later_goes_then_once_and_not_to_whoever_cancelled_meanwhile()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "stays@example.jp", "recording");
        var leaves = await client.RegisteredAsync(slug, "leaves@example.jp", "recording");
        await SettleAsync(smtp, 2);
        using var browser = await app.SignedInAsync();
        var page = $"/admin/events/{slug}/mail";
        var form = new Dictionary<string, string>
            { ["subject"] = "会場が変わりました", ["body"] = "詳しくは後ほど。", ["send"] = "yes", ["sendAt"] = "2030-02-10T09:00" };

        foreach (var bad in new[] { "2030-01-31T09:00", "2031-03-01T09:00", "明日", "2030-02-30T09:00" })
            Assert.Equal(HttpStatusCode.UnprocessableEntity,
                (await browser.SubmitAsync(page, page + "/message", new Dictionary<string, string>(form) { ["sendAt"] = bad })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync(page, page + "/message", form)).StatusCode);
        // 09:00 in Tokyo.
        Assert.Equal([new DateTime(2030, 2, 10, 0, 0, 0)], await app.QueryAsync<DateTime>(
            "SELECT DISTINCT due_at FROM outbox WHERE kind = 'mail.organiser_message'"));
        await browser.CancelAsync(leaves);
        await SettleAsync(smtp, 3);            // the cancellation

        clock.Now = new DateTimeOffset(2030, 2, 10, 0, 1, 0, TimeSpan.Zero);
        await SettleAsync(smtp, 4);
        Assert.Single(await MailsAsync(smtp, "stays@example.jp", "【テスト説明会"));
        Assert.DoesNotContain(await smtp.MessagesAsync(), m => m.RcptTos.Contains("leaves@example.jp") && m.Subject.Contains("会場"));
    }

    [Fact]
    public async Task A_late_rule_skipped_while_the_address_was_unconfirmed_goes_once_the_address_is_confirmed()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(startsAt: Start, confirmAddress: true);
        using var api = app.Api();
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", new object[]
        {
            new { offsetMinutes = -1440, audience = "live", late = true, subjectJa = "前日のご案内", bodyJa = "{{joinUrl}}" },
        })).StatusCode);
        clock.Now = new DateTimeOffset(Start.AddHours(-2));
        using var browser = app.Browser();
        Assert.Equal(HttpStatusCode.Accepted, (await browser.RegisterAsync(slug, "late@example.jp")).StatusCode);
        await SettleAsync(smtp, 1);            // the link to confirm the address; the late rule is skipped for now
        Assert.Equal("skipped", await app.QueryOneAsync<string>("SELECT status FROM outbox WHERE kind = 'mail.reminder'"));

        await browser.GetAsync(await smtp.ConfirmLinkAsync("late@example.jp"));
        await SettleAsync(smtp, 3);            // the confirmation, and the late rule now
        Assert.Single(await MailsAsync(smtp, "late@example.jp", "前日のご案内"));
    }

    [Fact]
    public async Task Each_attendance_audience_counts_whom_it_should()
    {
        var (smtp, app, _) = await StartAsync();
        await using var __ = smtp;
        await using var ___ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        var came = await app.RegisterPersonAsync(slug, "c@example.jp");
        var away = await app.RegisterPersonAsync(slug, "a@example.jp");
        await app.RegisterPersonAsync(slug, "u@example.jp");
        // Erased (as the retention purge leaves it: status kept, address replaced), with no attendance recorded: in no count.
        await app.RegisterPersonAsync(slug, "e@example.jp");
        await app.MarkErasedAsync("e@example.jp");
        using var api = app.Api();
        await api.PutAsJsonAsync($"/api/admin/events/{slug}/attendance",
            new[] { new { id = came, attended = (bool?)true }, new { id = away, attended = (bool?)false } });
        using var browser = await app.SignedInAsync();
        foreach (var (attendance, count) in new[] { ("any", 3), ("attended", 1), ("absent", 1), ("unknown", 1), ("not_attended", 2) })
        {
            await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders",
                new[] { new { offsetMinutes = 60, anchor = "end", audience = "live", attendance } });
            var rule = await app.QueryOneAsync<long>("SELECT MAX(id) FROM reminder_rules");
            var page = $"/admin/events/{slug}/mail/rule/{rule}";
            var preview = await browser.SubmitAsync(page, page, new Dictionary<string, string> { ["subjectJa"] = "件名", ["bodyJa"] = "本文" });
            Assert.Contains($"現在の送り先: {count}人", await preview.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_rule_can_name_one_ticket_or_the_waitlist()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var mail = smtp;
        await using var portal = app;
        var slug = await app.CreateEventAsync(liveSeats: 1, startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "seated@example.jp");
        await client.RegisteredAsync(slug, "waiting@example.jp");
        await client.RegisteredAsync(slug, "rec@example.jp", "recording");
        await SettleAsync(smtp, 3);
        using var api = app.Api();
        var refused = await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", new object[]
        {
            new { offsetMinutes = -30, audience = "t:nosuch" }, new { offsetMinutes = -30, audience = "all", status = "waitlisted" },
            new { offsetMinutes = -30, audience = "all", status = "cancelled", subjectJa = "x", bodyJa = "y" },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "[0].audience", "[1].subjectJa", "[2].status" })
            Assert.True(errors.TryGetProperty(field, out var _), field);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", new object[]
        {
            new { offsetMinutes = -60, audience = "t:live", status = "waitlisted", subjectJa = "キャンセル待ちのご案内", bodyJa = "{{manageUrl}}" },
            new { offsetMinutes = -60, audience = "t:recording", subjectJa = "録画チケットの方へ", bodyJa = "{{manageUrl}}" },
        })).StatusCode);

        clock.Now = new DateTimeOffset(Start.AddMinutes(-59));
        await SettleAsync(smtp, 5);
        Assert.Single(await MailsAsync(smtp, "waiting@example.jp", "キャンセル待ちのご案内"));
        Assert.Single(await MailsAsync(smtp, "rec@example.jp", "録画チケットの方へ"));
        Assert.DoesNotContain(await smtp.MessagesAsync(), m => m.RcptTos.Contains("seated@example.jp") && m.Subject.StartsWith("キャンセル待ち"));
    }

    [Fact]
    public async Task Bad_rules_are_refused_naming_the_field_and_change_nothing()
    {
        var (smtp, app, _) = await StartAsync();
        await using var __ = smtp;
        await using var ___ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var api = app.Api();
        var before = (await RulesAsync(api, slug)).ToJsonString();
        var response = await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", new object[]
        {
            new { offsetMinutes = 60, audience = "all", bodyJa = "{{password}}", subjectJa = "x" },
            new { offsetMinutes = 60, audience = "all", category = "no-such-category" },
            new { offsetMinutes = 60, audience = "all", attendance = "maybe", anchor = "middle" },
            new { offsetMinutes = 60, audience = "all", subjectJa = "件名だけ" },
            new { offsetMinutes = 60, audience = "all", subjectEn = "bell\u0007", bodyEn = "b" },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "[0].bodyJa", "[1].category", "[2].attendance", "[2].anchor", "[3].subjectJa", "[4].subjectEn" })
            Assert.True(errors.TryGetProperty(field, out _), field);
        Assert.Contains("{{password}}", errors.GetProperty("[0].bodyJa")[0].GetString());
        Assert.Equal(before, (await RulesAsync(api, slug)).ToJsonString());
    }

    [Fact]
    public async Task The_console_previews_a_rule_with_a_real_registrant_and_its_audience_then_saves_it()
    {
        var (smtp, app, _) = await StartAsync();
        await using var __ = smtp;
        await using var ___ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        await app.RegisterPersonAsync(slug, "one@example.jp", family: "佐藤", given: "一郎");
        await app.RegisterPersonAsync(slug, "two@example.jp", ticket: "recording");
        var ruleId = await app.QueryOneAsync<long>(
            "SELECT id FROM reminder_rules WHERE offset_minutes = -60 AND event_id = (SELECT id FROM events WHERE slug = @slug)",
            new { slug });
        using var browser = await app.SignedInAsync();
        var page = $"/admin/events/{slug}/mail/rule/{ruleId}";
        var fields = new Dictionary<string, string> { ["subjectJa"] = "まもなく開始: {{eventTitle}}", ["bodyJa"] = "{{name}} 様 {{joinUrl}}" };

        var preview = await browser.SubmitAsync(page, page, fields);
        var html = await preview.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Contains("現在の送り先: 1人", html);          // the hour-before rule is for live tickets
        Assert.Contains("佐藤 一郎 様 https://portal.example.jp/j/", html);
        Assert.Equal("", await app.QueryOneAsync<string>("SELECT subject_ja FROM reminder_rules WHERE id = @ruleId", new { ruleId }));

        fields["save"] = "yes";
        var saved = await browser.SubmitAsync(page, page, fields);
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal("まもなく開始: {{eventTitle}}",
            await app.QueryOneAsync<string>("SELECT subject_ja FROM reminder_rules WHERE id = @ruleId", new { ruleId }));

        fields["bodyJa"] = "{{secret}}";
        var refused = await browser.SubmitAsync(page, page, fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("{{secret}}", await refused.Content.ReadAsStringAsync());
    }
}

public sealed class MailRulesOnSqlite : MailRules
{
    protected override Task<PortalApp> StartAppAsync(Dictionary<string, string?> settings, TestClock clock) =>
        PortalApp.StartSqliteAsync(settings: settings, clock: clock);
}

public sealed class MailRulesOnPostgres : MailRules
{
    protected override Task<PortalApp> StartAppAsync(Dictionary<string, string?> settings, TestClock clock) =>
        PortalApp.StartPostgresAsync(settings: settings, clock: clock);
}
