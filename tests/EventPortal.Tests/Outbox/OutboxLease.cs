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
