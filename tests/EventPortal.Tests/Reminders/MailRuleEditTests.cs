using System.Net;
using EventPortal.Tests.Infrastructure;
using static EventPortal.Tests.Reminders.MailRuleKit;

namespace EventPortal.Tests.Reminders;

/// <summary>
/// Editing a mail rule in the console while its mails are already due: the rows keep their place in the outbox and each
/// goes once, with the text as it is when sent. On SQLite and PostgreSQL.
/// </summary>
public sealed class MailRuleEditTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Editing_a_rule_keeps_its_rows_waiting_for_a_retry_and_each_goes_once_with_the_new_text(string engine)
    {
        var (smtp, app, clock) = await MailRuleKit.StartAsync((settings, clock) => engine == "postgres"
            ? PortalApp.StartPostgresAsync(settings: settings, clock: clock)
            : PortalApp.StartSqliteAsync(settings: settings, clock: clock));
        await using var mail = smtp;
        await using var portal = app;
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "one@example.jp");
        await client.RegisteredAsync(slug, "two@example.jp");
        await SettleAsync(smtp, 2);
        var ruleId = await app.QueryOneAsync<long>(
            "SELECT id FROM reminder_rules WHERE offset_minutes = -60 AND event_id = (SELECT id FROM events WHERE slug = @slug)",
            new { slug });
        var rows = new { key = $"reminder:{ruleId}:%" };

        // The relay is down when the hour-before rule falls due: its rows fail once and wait for a retry (due again
        // a little later than now), as do the day-before rule's.
        await smtp.StopAsync();
        clock.Now = new DateTimeOffset(Start.AddMinutes(-59));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.reminder' AND status = 'retry'") < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the due reminders did not fail and wait for a retry within 30 s");
            await Task.Delay(100);
        }
        var waiting = await app.QueryAsync<long>("SELECT id FROM outbox WHERE dedupe_key LIKE @key ORDER BY id", rows);
        Assert.Equal(2, waiting.Count);

        using var browser = await app.SignedInAsync();
        var page = $"/admin/events/{slug}/mail/rule/{ruleId}";
        var saved = await browser.SubmitAsync(page, page, new Dictionary<string, string>
            { ["subjectJa"] = "まもなく開始します", ["bodyJa"] = "{{name}} 様 {{joinUrl}}", ["save"] = "yes" });
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal(waiting, await app.QueryAsync<long>("SELECT id FROM outbox WHERE dedupe_key LIKE @key ORDER BY id", rows));

        // The relay is back and the retry falls due: the day before and the hour before reach each once, the latter as edited.
        await smtp.RestartAsync();
        clock.Now = clock.Now.AddMinutes(10);
        await SettleAsync(smtp, 2 + 4);
        foreach (var address in new[] { "one@example.jp", "two@example.jp" })
        {
            var edited = Assert.Single(await MailsAsync(smtp, address, "まもなく開始します"));
            Assert.Contains("山田 花子 様 https://portal.example.jp/j/", edited.Text("text/plain"));
        }
        Assert.Equal(4, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.reminder' AND status = 'sent'"));
    }
}
