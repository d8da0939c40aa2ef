using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Reminders;

/// <summary>Reminders and recording follow-up, with a clock the test controls and a real SMTP server.</summary>
public sealed class ReminderTests
{
    // 2030-03-06 12:00–13:00 in Tokyo; the defaults fire on 03-05 10:00 JST (01:00Z, everyone)
    // and 03-06 11:00 JST (02:00Z, live tickets).
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    const string MeetingUrl = "https://meeting.example/j/secret-meeting-4411";

    static async Task<(SmtpServer Smtp, PortalApp App, TestClock Clock)> StartAsync(Dictionary<string, string?>? database = null)
    {
        var smtp = await SmtpServer.StartAsync();
        var clock = new TestClock(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = Organisers.Bootstrap(MailSettings(smtp.Port));
        var app = database is null
            ? await PortalApp.StartSqliteAsync(settings: settings, clock: clock)
            : await PortalApp.StartAsync(database, false, settings, clock);
        return (smtp, app, clock);
    }

    static Dictionary<string, string?> MailSettings(int port) => new()
    {
        ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
        ["EventPortal:Mail:Transport"] = "Smtp",
        ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
        ["EventPortal:Mail:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EventPortal:Outbox:PollSeconds"] = "0.2",
    };

    static async Task<List<ReceivedMail>> RemindersTo(SmtpServer smtp, string address) =>
        (await smtp.MessagesAsync())
            .Where(m => m.RcptTos.Contains(address) && m.Subject.StartsWith("【リマインド】", StringComparison.Ordinal))
            .ToList();

    static async Task SettleAsync(SmtpServer smtp, int expectedTotal)
    {
        await smtp.WaitForAsync(expectedTotal, TimeSpan.FromSeconds(30));
        await Task.Delay(1200); // anything extra would arrive now
    }

    [Fact]
    public async Task Each_rule_fires_once_per_active_registration_at_its_instant()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(liveSeats: 1, startsAt: Start);
        await app.ExecuteAsync("UPDATE events SET meeting_url = @MeetingUrl WHERE slug = @slug", new { MeetingUrl, slug });
        using var client = app.Client();
        var seat = await client.RegisteredAsync(slug, "seat@example.jp");
        await client.RegisteredAsync(slug, "waiting@example.jp");
        await client.RegisteredAsync(slug, "recording@example.jp", "recording");
        var gone = await client.RegisteredAsync(slug, "gone@example.jp", "recording");
        await SettleAsync(smtp, 4); // its confirmation goes out before it cancels, or the composer rightly skips it
        using var browser = app.Browser();
        await browser.CancelAsync(gone);
        await SettleAsync(smtp, 5); // 3 confirmations or notices + 1 registration + 1 cancellation

        clock.Now = new DateTimeOffset(new DateTime(2030, 3, 5, 0, 59, 0, DateTimeKind.Utc));
        await Task.Delay(1200);
        Assert.Empty(await RemindersTo(smtp, "seat@example.jp"));

        clock.Now = new DateTimeOffset(new DateTime(2030, 3, 5, 1, 0, 0, DateTimeKind.Utc));
        await SettleAsync(smtp, 7);
        Assert.Single(await RemindersTo(smtp, "seat@example.jp"));
        Assert.Single(await RemindersTo(smtp, "recording@example.jp"));
        Assert.Empty(await RemindersTo(smtp, "waiting@example.jp"));
        Assert.Empty(await RemindersTo(smtp, "gone@example.jp"));

        // The seat is given up before the hour-before reminder: the promoted registrant gets what is still due.
        await browser.CancelAsync(seat);
        clock.Now = new DateTimeOffset(new DateTime(2030, 3, 6, 2, 0, 0, DateTimeKind.Utc));
        await SettleAsync(smtp, 10); // cancellation, promotion, one reminder
        var hourBefore = Assert.Single(await RemindersTo(smtp, "waiting@example.jp"));
        Assert.Single(await RemindersTo(smtp, "seat@example.jp"));
        Assert.Single(await RemindersTo(smtp, "recording@example.jp")); // no live reminder for a recording ticket
        var text = hourBefore.Text("text/plain")!;
        Assert.Matches("https://portal.example.jp/j/[A-Za-z0-9_-]{24}", text);
        Assert.DoesNotContain("secret-meeting", text);
        Assert.DoesNotContain("secret-meeting", hourBefore.Text("text/html")!);
    }

    [Fact]
    public async Task A_rule_already_past_at_registration_does_not_fire_and_editing_rules_replans_what_is_unsent()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(startsAt: Start, timeZone: "Europe/Berlin");
        using var client = app.Client();
        clock.Now = new DateTimeOffset(new DateTime(2030, 3, 5, 12, 0, 0, DateTimeKind.Utc)); // after "the day before at 10:00"
        await client.RegisteredAsync(slug, "late@example.jp");
        // The hour before, and the thank-you after the end (sent only if they attend); not the day before.
        var id = await app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email = 'late@example.jp'");
        Assert.Equal(2, await app.RemindersOwedAsync(id));

        using var api = app.Api();
        var put = await api.PutAsJsonAsync(
            $"/api/admin/events/{slug}/reminders",
            new[] { new { offsetMinutes = -30, audience = "live" }, new { offsetMinutes = -60 * 24 * 3, audience = "all" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        // The hour-before rule is gone, the 30-minute one planned; three days before is already past.
        Assert.Equal([Start.AddMinutes(-30)], await app.RulesAheadAsync(clock.Now.UtcDateTime));
        Assert.Equal(1, await app.RemindersOwedAsync(id));

        clock.Now = new DateTimeOffset(Start.AddMinutes(-30));
        await SettleAsync(smtp, 2);
        Assert.Single(await RemindersTo(smtp, "late@example.jp"));
    }

    [Fact]
    public async Task Bad_reminder_rules_are_refused_naming_the_item()
    {
        var (smtp, app, _) = await StartAsync();
        await using var _1 = smtp;
        await using var _2 = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var api = app.Api();

        var response = await api.PutAsJsonAsync(
            $"/api/admin/events/{slug}/reminders",
            new object[] { new { offsetMinutes = 10_000_000, audience = "live" }, new { offsetMinutes = -60, audience = "press" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("[0].offsetMinutes", out _));
        Assert.True(errors.TryGetProperty("[1].audience", out _));
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await api.PutAsJsonAsync("/api/admin/events/nothing/reminders", Array.Empty<object>())).StatusCode);
    }

    [Fact]
    public async Task Two_dispatchers_on_one_PostgreSQL_send_each_reminder_once()
    {
        var server = await PostgresServer.SharedAsync();
        var database = new Dictionary<string, string?>
        {
            ["EventPortal:Database:Provider"] = "Postgres",
            ["ConnectionStrings:EventPortal"] = await server.CreateDatabaseAsync(),
        };
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new TestClock(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = Organisers.Bootstrap(MailSettings(smtp.Port));
        var apps = await Task.WhenAll(
            PortalApp.StartAsync(database, false, settings, clock),
            PortalApp.StartAsync(database, false, settings, clock));
        await using var a = apps[0];
        await using var b = apps[1];
        var slug = await a.CreateEventAsync(liveSeats: 100, startsAt: Start);
        using var client = a.Client();
        var emails = Enumerable.Range(0, 20).Select(i => $"pg-reminder{i:00}@example.jp").ToList();
        foreach (var email in emails) await client.RegisteredAsync(slug, email);
        await SettleAsync(smtp, 20);

        clock.Now = new DateTimeOffset(Start); // both rules are due at once
        await SettleAsync(smtp, 60);

        foreach (var email in emails) Assert.Equal(2, (await RemindersTo(smtp, email)).Count);
        Assert.Equal(60, (await smtp.MessagesAsync()).Count);
    }

    [Fact]
    public async Task Setting_the_recording_mails_exactly_the_chosen_audience_once()
    {
        var (smtp, app, clock) = await StartAsync();
        await using var _ = smtp;
        await using var __ = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "rec@example.jp", "recording");
        await client.RegisteredAsync(slug, "attended@example.jp");
        await client.RegisteredAsync(slug, "absent@example.jp");
        await client.RegisteredAsync(slug, "erased@example.jp");   // live and not attended, but erased: mailed nothing more
        await app.ExecuteAsync(
            "UPDATE registrations SET attended = @yes WHERE email_normalized = 'attended@example.jp'", new { yes = true });
        await SettleAsync(smtp, 4);
        await app.MarkErasedAsync("erased@example.jp");
        clock.Now = new DateTimeOffset(Start.AddHours(3));
        await SettleAsync(smtp, 9); // the reminders (2 + 1 + 2) fell due on the way

        using var api = app.Api();
        var set = await api.PutAsJsonAsync(
            $"/api/admin/events/{slug}/recording",
            new { url = "https://video.example/secret-recording", audience = "recording_and_absent" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(2, (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recipients").GetInt32());
        await SettleAsync(smtp, 11);
        // Correcting the URL mails nobody again.
        await api.PutAsJsonAsync(
            $"/api/admin/events/{slug}/recording",
            new { url = "https://video.example/secret-recording-fixed", audience = "recording_and_absent" });
        await Task.Delay(1500);

        var recordingMails = (await smtp.MessagesAsync())
            .Where(m => m.Subject.StartsWith("【録画公開のお知らせ】", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["absent@example.jp", "rec@example.jp"], recordingMails.SelectMany(m => m.RcptTos).Order());
        var text = recordingMails.First(m => m.RcptTos.Contains("rec@example.jp")).Text("text/plain")!;
        Assert.Matches("https://portal.example.jp/w/[A-Za-z0-9_-]{24}", text);
        Assert.DoesNotContain("secret-recording", text);

        // After the event, the recording ticket stays open while the recording is available, and
        // the late registrant's confirmation carries their recording link; the live ticket is closed.
        Assert.Equal(HttpStatusCode.Conflict, (await client.RegisterAsync(slug, "late-live@example.jp", "live")).StatusCode);
        await client.RegisteredAsync(slug, "late-rec@example.jp", "recording");
        await SettleAsync(smtp, 12);
        var late = Assert.Single((await smtp.MessagesAsync()).Where(m => m.RcptTos.Contains("late-rec@example.jp")).ToList());
        Assert.Matches("https://portal.example.jp/w/[A-Za-z0-9_-]{24}", late.Text("text/plain")!);
    }

    [Fact]
    public async Task The_console_messages_a_filtered_audience_after_a_preview_and_shows_progress()
    {
        var (smtp, app, _) = await StartAsync();
        await using var _1 = smtp;
        await using var _2 = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "live-one@example.jp");
        await client.RegisteredAsync(slug, "live-two@example.jp");
        await client.RegisteredAsync(slug, "rec-one@example.jp", "recording");
        await client.RegisteredAsync(slug, "live-erased@example.jp");
        await SettleAsync(smtp, 4);
        // Erased as the retention purge leaves a registration (status kept, address replaced): no longer in any audience.
        await app.MarkErasedAsync("live-erased@example.jp");
        using var organiser = await app.SignedInAsync();
        var fields = new Dictionary<string, string>
        {
            ["subject"] = "資料を公開しました", ["body"] = "当日の資料を公開しました。\n<b>ご確認ください</b>", ["ticket"] = "live", ["status"] = "", ["category"] = "",
        };

        var preview = await organiser.SubmitAsync($"/admin/events/{slug}/mail", $"/admin/events/{slug}/mail/message", fields);
        var previewHtml = await preview.Content.ReadAsStringAsync();
        Assert.Contains("2 名に送信されます", previewHtml);
        Assert.DoesNotContain("<b>ご確認ください</b>", previewHtml);
        Assert.Equal(4, (await smtp.MessagesAsync()).Count); // a preview sends nothing

        fields["send"] = "yes";
        var sent = await organiser.SubmitAsync($"/admin/events/{slug}/mail", $"/admin/events/{slug}/mail/message", fields);
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        await SettleAsync(smtp, 6);
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.organiser_message'"));

        var messages = (await smtp.MessagesAsync()).Where(m => m.Subject.Contains("資料を公開しました", StringComparison.Ordinal)).ToList();
        Assert.Equal(["live-one@example.jp", "live-two@example.jp"], messages.SelectMany(m => m.RcptTos).Order());
        Assert.Contains("&lt;b&gt;ご確認ください&lt;/b&gt;", messages[0].Text("text/html")!);
        var progress = await organiser.GetFromJsonAsync<JsonElement>($"/admin/events/{slug}/mail/progress");
        var batch = progress.EnumerateArray()
            .Single(b => b.GetProperty("batch").GetString()!.StartsWith("message:", StringComparison.Ordinal));
        Assert.Equal(2, batch.GetProperty("sent").GetInt32());
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'event.message'"));
        // The default rules, none due yet, so none written: the day before (everyone), the hour before and the
        // thank-you (the two live seats) count whom they will be written for.
        Assert.Equal([3, 2, 2], progress.EnumerateArray()
            .Where(b => b.GetProperty("batch").GetString()!.StartsWith("reminder@", StringComparison.Ordinal))
            .Select(b => b.GetProperty("queued").GetInt32()));
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.reminder'"));
    }

    [Fact]
    public async Task Reminders_planned_before_a_restart_are_sent_once_after_it()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var data = Directory.CreateTempSubdirectory("eventportal-restart-").FullName;
        var clock = new TestClock(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = Organisers.Bootstrap(MailSettings(smtp.Port));
        settings["EventPortal:DataDirectory"] = data;
        try
        {
            string slug;
            await using (var before = await PortalApp.StartSqliteAsync(settings: settings, clock: clock))
            {
                slug = await before.CreateEventAsync(startsAt: Start);
                using var client = before.Client();
                await client.RegisteredAsync(slug, "restart@example.jp");
                await SettleAsync(smtp, 1);
            }
            clock.Now = new DateTimeOffset(Start); // both reminders fell due while the app was down
            await using (var after = await PortalApp.StartSqliteAsync(settings: settings, clock: clock))
            {
                await SettleAsync(smtp, 3);
            }
            await using (await PortalApp.StartSqliteAsync(settings: settings, clock: clock))
            {
                await Task.Delay(1500); // a third start sends nothing more
            }
            Assert.Equal(2, (await RemindersTo(smtp, "restart@example.jp")).Count);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
