using System.Diagnostics;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Outbox;

/// <summary>The in-flight timeout on the instance that holds the row.</summary>
public sealed class OutboxLease
{
    /// <summary>
    /// Found reading the dispatcher for issue 14: the claim takes in-flight rows older than
    /// InFlightTimeoutSeconds whoever holds them, our own included. A send that outlasts the
    /// timeout (a relay that stalls, a rate limit) was claimed again by its own instance, queued a
    /// second time, and a second slot sent it while the first was still sending: the still-ours
    /// check passes for both, since both are ours.
    /// </summary>
    [Fact]
    public async Task A_send_that_outlasts_the_in_flight_timeout_is_not_sent_again_by_another_slot_of_the_same_instance()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var settings = OutboxBehaviour.MailSettings(smtp.Port);
        settings["EventPortal:Outbox:MaxParallel"] = "2";
        settings["EventPortal:Outbox:InFlightTimeoutSeconds"] = "5";
        await using var app = await PortalApp.StartSqliteAsync(settings: settings);
        var slug = await app.CreateEventAsync();

        smtp.Hold(); // the relay stalls at RCPT: the one send takes far longer than the timeout
        using (var client = app.Client()) await client.RegisteredAsync(slug, "slow-relay@example.jp");
        await WaitForAsync(app, "SELECT COUNT(*) FROM outbox WHERE status = 'in_flight'", 1);
        await Task.Delay(11_000); // the claim loop (every 0.2 s) finds the row "abandoned" after 5 s
        smtp.Release();

        await smtp.WaitForAsync(1, TimeSpan.FromSeconds(30));
        await WaitForAsync(app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 1);
        await Task.Delay(1500); // a second copy, held at RCPT, would be stored now
        var stored = await smtp.MessagesAsync();
        Assert.True(stored.Count == 1, $"{stored.Count} copies: " + string.Join(", ", stored.Select(m => m.MessageId)));
    }

    /// <summary>
    /// Found by CI (a webhook sent twice on SQLite, after a test moved its clock past the timeout):
    /// a claim that read a row of ours still in flight could hand it to the senders just after its
    /// send had finished and let go of it, so it went out a second time. Here the clock runs 6,000
    /// times too fast, so a row being sent looks abandoned within a millisecond; with a batch of one,
    /// the claim loop claims the row being sent again and again, and a send's end often falls
    /// between a claim's read and its check. It failed three runs of three before the fix.
    /// </summary>
    [Fact]
    public async Task A_claim_that_read_a_row_while_it_was_being_sent_does_not_send_it_again_after_it_finished()
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: 30));
        var data = Directory.CreateTempSubdirectory("eventportal-lease-").FullName;
        var settings = OutboxBehaviour.MailSettings(smtp.Port);
        settings["EventPortal:DataDirectory"] = data;
        settings["EventPortal:Outbox:DispatcherEnabled"] = "false";
        var emails = Enumerable.Range(0, 20).Select(i => $"lease{i:00}@example.jp").ToList();
        try
        {
            await using (var queue = await PortalApp.StartSqliteAsync(settings: settings))
            {
                var slug = await queue.CreateEventAsync(liveSeats: 100);
                using var client = queue.Client();
                foreach (var email in emails) await client.RegisteredAsync(slug, email);
            }

            settings["EventPortal:Outbox:DispatcherEnabled"] = "true";
            settings["EventPortal:Outbox:MaxParallel"] = "4";
            settings["EventPortal:Outbox:BatchSize"] = "1";
            settings["EventPortal:Outbox:InFlightTimeoutSeconds"] = "5";
            await using var app = await PortalApp.StartSqliteAsync(settings: settings, clock: new FastClock(6000));
            await smtp.WaitForAsync(emails.Count, TimeSpan.FromSeconds(60));
            await OutboxBehaviour.WaitForAsync(app, "SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_confirmed' "
                + "AND status = 'sent'", emails.Count);
            await Task.Delay(500); // a second copy would be on its way now
            var twice = (await smtp.MessagesAsync()).SelectMany(m => m.RcptTos).GroupBy(r => r).Where(g => g.Count() > 1)
                .Select(g => $"{g.Key} ×{g.Count()}").ToList();
            Assert.True(twice.Count == 0, "sent more than once: " + string.Join(", ", twice));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Real time, sped up: <paramref name="factor"/> seconds pass for each real one.</summary>
    sealed class FastClock(double factor) : TimeProvider
    {
        readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
        readonly Stopwatch _watch = Stopwatch.StartNew();
        public override DateTimeOffset GetUtcNow() => _start + _watch.Elapsed * factor;
    }

    static async Task WaitForAsync(PortalApp app, string sql, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await app.QueryOneAsync<int>(sql) < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {sql} to reach {expected}");
            await Task.Delay(50);
        }
    }
}
