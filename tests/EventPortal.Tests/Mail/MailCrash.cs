using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EventPortal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace EventPortal.Tests.Mail;

/// <summary>
/// Killing the app (and its dispatcher) mid-batch and starting it again loses nothing, and
/// repeats at most the one message in SMTP's at-least-once window: the relay had stored it,
/// our "sent" was not committed. Nothing else is ever repeated.
/// </summary>
public sealed class MailCrash(ITestOutputHelper output)
{
    /// <summary>
    /// "between messages": each RCPT waits 700 ms, and the kill is meant to land in that wait,
    /// before the message's data is accepted. On a loaded machine the kill lands wherever it
    /// lands: issue 14's one doubled mail was a kill between the relay's storing a message and our
    /// commit of "sent" (this test then waited for the fifth message by parsing all five with a
    /// python process each, and only then slept its 300 ms). "in the window": the relay
    /// waits 1.5 s between storing each message and answering 250, so the kill lands there.
    /// </summary>
    [Theory]
    [InlineData("between messages", 700, 0, 16, 5)]
    [InlineData("in the window", 0, 1500, 8, 3)]
    public async Task Killing_the_dispatcher_mid_batch_delivers_every_mail_and_repeats_only_the_one_stored_before_its_sent_commit(
        string where, int rcptDelayMs, int replyDelayMs, int registrants, int killAfter)
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: rcptDelayMs, DataReplyDelayMs: replyDelayMs));
        var data = Directory.CreateTempSubdirectory("eventportal-crash-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["EventPortal:DataDirectory"] = data,
            ["EventPortal:SeedDemo"] = "true",
            ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
            ["EventPortal:Mail:Transport"] = "Smtp",
            ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
            ["EventPortal:Mail:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EventPortal:Outbox:MaxParallel"] = "1",
            ["EventPortal:Outbox:PollSeconds"] = "0.2",
            ["EventPortal:Outbox:InFlightTimeoutSeconds"] = "5",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        try
        {
            var emails = Enumerable.Range(0, registrants).Select(i => $"crash{i:00}@example.jp").ToList();
            await using (var first = await AppProcess.StartAsync(settings))
            {
                using var client = new HttpClient { BaseAddress = first.BaseAddress };
                var slug = (await client.GetFromJsonAsync<JsonElement>("/api/events"))[0].GetProperty("slug").GetString()!;
                foreach (var email in emails) await client.RegisteredAsync(slug, email, "recording");
                await smtp.WaitForStoredAsync(killAfter, TimeSpan.FromSeconds(60));
                if (rcptDelayMs > 0) await Task.Delay(300); // meant to be inside the next message's RCPT wait
                await first.KillAsync();
            }
            await Task.Delay(1000); // a message whose data was on the wire when we died is stored by now
            var atKill = await OutboxAsync(data);
            var storedBeforeRestart = smtp.StoredCount;
            Assert.InRange(storedBeforeRestart, killAfter, registrants - 1); // the kill really was mid-batch

            await using (await AppProcess.StartAsync(settings))
            {
                await smtp.WaitForStoredAsync(registrants, TimeSpan.FromSeconds(90));
                await Task.Delay(3000); // a repeat would arrive now
            }

            var messages = await smtp.MessagesAsync();
            Assert.Equal(emails.Order(), messages.SelectMany(m => m.RcptTos).Distinct().Order()); // nothing lost
            // The window: rows not recorded as sent when we died whose message the relay had already stored.
            var window = atKill.Where(r => r.Status != "sent"
                && messages.Take(storedBeforeRestart).Any(m => Of(m.MessageId, r))).ToList();
            var copies = messages.GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine($"{where}: {storedBeforeRestart} stored before the kill; in the window: " +
                (window.Count == 0 ? "none" : string.Join(", ", window.Select(r => $"row {r.Id} ({r.Status})"))) + "; " +
                $"{messages.Count} messages for {registrants} registrants");
            Assert.True(window.Count <= 1, "one sender slot has at most one message between the relay's 250 and our commit");
            foreach (var (messageId, count) in copies)
            {
                var inWindow = window.Any(r => Of(messageId, r));
                Assert.True(count == (inWindow ? 2 : 1), $"{messageId}: {count} copies" + (inWindow ? " (in the window)" : ""));
            }
            if (replyDelayMs > 0) Assert.Single(window); // the kill landed in a 250 the relay had not given yet
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    sealed record Row(long Id, string Status);

    /// <summary>Our Message-ID is "&lt;{row id}.{hash}@domain&gt;", the same for every attempt of the row.</summary>
    static bool Of(string messageId, Row row) => messageId.TrimStart('<').StartsWith($"{row.Id}.", StringComparison.Ordinal);

    /// <summary>The outbox as the killed instance left it (the SQLite file in its data directory).</summary>
    static async Task<List<Row>> OutboxAsync(string data)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "eventportal.db")};Pooling=false");
        return (await connection.QueryAsync<Row>("SELECT id, status FROM outbox WHERE kind LIKE 'mail.%' ORDER BY id")).AsList();
    }
}
