using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Mail;
using EventPortal.Web.Outbox;

namespace EventPortal.Tests.Outbox;

/// <summary>The outbox beyond one happy send: several instances, retention, settings.</summary>
public sealed class OutboxBehaviour
{
    [Fact]
    public async Task Two_instances_on_one_PostgreSQL_send_each_mail_exactly_once()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var server = await PostgresServer.SharedAsync();
        var database = new Dictionary<string, string?>
        {
            ["EventPortal:Database:Provider"] = "Postgres",
            ["ConnectionStrings:EventPortal"] = await server.CreateDatabaseAsync(),
        };
        var mail = MailSettings(smtp.Port);
        var apps = await Task.WhenAll(PortalApp.StartAsync(database, false, mail), PortalApp.StartAsync(database, false, mail));
        await using var a = apps[0];
        await using var b = apps[1];
        var slug = await a.CreateEventAsync(liveSeats: 30);
        using var clientA = a.Client();
        using var clientB = b.Client();

        var emails = Enumerable.Range(0, 60).Select(i => $"pg{i:00}@example.jp").ToList();
        await Task.WhenAll(emails.Select((email, i) => (i % 2 == 0 ? clientA : clientB).RegisteredAsync(slug, email)));

        await smtp.WaitForAsync(60, TimeSpan.FromSeconds(90));
        await Task.Delay(2000);
        var delivered = (await smtp.MessagesAsync()).SelectMany(m => m.RcptTos).ToList();
        Assert.Equal(emails.Order(), delivered.Order());
        // Both dispatchers ran against the same rows; SKIP LOCKED kept their claims apart.
        Assert.Equal(60, await a.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"));
    }

    /// <summary>
    /// Found by the proof flash crowd (bench/proof.sh, two instances on a loaded machine): a
    /// dispatcher claims a whole batch, and rows still waiting their turn in it when
    /// InFlightTimeoutSeconds has passed look abandoned to the other instance, which claims and
    /// sends them, while the first still sends them too when their turn comes.
    /// </summary>
    [Fact]
    public async Task A_row_taken_over_by_another_instance_while_it_waited_in_a_batch_is_not_sent_twice()
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: 400));
        var server = await PostgresServer.SharedAsync();
        var database = new Dictionary<string, string?>
        {
            ["EventPortal:Database:Provider"] = "Postgres",
            ["ConnectionStrings:EventPortal"] = await server.CreateDatabaseAsync(),
        };
        var emails = Enumerable.Range(0, 16).Select(i => $"batch{i:00}@example.jp").ToList();
        await using (var queue = await PortalApp.StartAsync(database, false,
            new Dictionary<string, string?>(MailSettings(smtp.Port)) { ["EventPortal:Outbox:DispatcherEnabled"] = "false" }))
        {
            var slug = await queue.CreateEventAsync(liveSeats: 100);
            using var client = queue.Client();
            foreach (var email in emails) await client.RegisteredAsync(slug, email);
        }

        // One at a time, ~0.45 s each: the first instance needs ~7 s for its batch of 16; the
        // second finds the tail of that batch "in flight" for more than 5 s and takes it over.
        var slow = new Dictionary<string, string?>(MailSettings(smtp.Port))
        {
            ["EventPortal:Outbox:MaxParallel"] = "1", ["EventPortal:Outbox:BatchSize"] = "16",
            ["EventPortal:Outbox:InFlightTimeoutSeconds"] = "5",
        };
        await using var first = await PortalApp.StartAsync(database, false, slow);
        await smtp.WaitForAsync(1, TimeSpan.FromSeconds(30));
        await using var second = await PortalApp.StartAsync(database, false, slow);

        await smtp.WaitForAsync(emails.Count, TimeSpan.FromSeconds(60));
        await Task.Delay(6000); // the first instance reaches the end of its batch
        var delivered = (await smtp.MessagesAsync()).SelectMany(m => m.RcptTos).ToList();
        Assert.True(delivered.Count == emails.Count, string.Join("\n",
            (await smtp.MessagesAsync()).Select(m => $"{m.ReceivedAt:HH:mm:ss.fff} {m.MessageId} {m.To}")));
        Assert.Equal(emails.Order(), delivered.Order());
    }

    [Fact]
    public async Task Sent_rows_are_purged_after_the_retention_period_and_failed_ones_kept()
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(Reject: "^reject-"));
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var settings = MailSettings(smtp.Port);
        settings["EventPortal:Outbox:RetentionDays"] = "30";
        await using var app = await PortalApp.StartSqliteAsync(settings: settings, clock: clock);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "kept-briefly@example.jp");
        await client.RegisteredAsync(slug, "reject-forever@example.jp");
        await WaitForAsync(app, "SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'failed')", 2);

        clock.Now += TimeSpan.FromDays(31);
        // (The event's reminders fall due meanwhile and are sent now, so they are recent and stay.)
        // (So do the plan rows that wrote them.)
        await WaitForAsync(app, "SELECT COUNT(*) FROM outbox WHERE kind NOT IN ('mail.reminder', 'plan.reminder')", 1);

        Assert.Equal("failed", await app.QueryOneAsync<string>(
            "SELECT status FROM outbox WHERE kind NOT IN ('mail.reminder', 'plan.reminder')"));
    }

    [Fact]
    public async Task A_graceful_stop_hands_back_the_rows_it_had_not_begun()
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: 400));
        var data = Directory.CreateTempSubdirectory("eventportal-stop-").FullName;
        var settings = MailSettings(smtp.Port);
        settings["EventPortal:DataDirectory"] = data;
        settings["EventPortal:Outbox:MaxParallel"] = "1";
        try
        {
            await using (var app = await PortalApp.StartSqliteAsync(settings: settings))
            {
                var slug = await app.CreateEventAsync();
                using var client = app.Client();
                for (var i = 0; i < 8; i++) await client.RegisteredAsync(slug, $"stop{i}@example.jp");
                await smtp.WaitForAsync(1, TimeSpan.FromSeconds(30));
            } // a graceful stop, mid-batch

            settings["EventPortal:Outbox:DispatcherEnabled"] = "false";
            await using var after = await PortalApp.StartSqliteAsync(settings: settings);
            // At most the one message being handed over stays in flight; every other confirmation was
            // either sent before the stop or is queued again (how many were sent depends on the machine's speed).
            var inFlight = await after.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE status = 'in_flight'");
            var queued = await after.QueryOneAsync<int>(
                "SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND kind = 'mail.registration_confirmed'");
            var sent = await after.QueryOneAsync<int>(
                "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND kind = 'mail.registration_confirmed'");
            Assert.InRange(inFlight, 0, 1);
            Assert.Equal(8, queued + sent + inFlight);
            Assert.True(queued >= 1, $"nothing handed back: {sent} sent, {inFlight} in flight");
            // nothing sent twice, nothing sent unrecorded beyond the one in flight
            Assert.InRange((await smtp.MessagesAsync()).Count, sent, sent + inFlight);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_rate_per_minute_holds_back_a_burst()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var settings = MailSettings(smtp.Port);
        settings["EventPortal:Mail:MessagesPerMinute"] = "6"; // one every ten seconds
        await using var app = await PortalApp.StartSqliteAsync(settings: settings);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        for (var i = 0; i < 5; i++) await client.RegisteredAsync(slug, $"burst{i}@example.jp");

        await smtp.WaitForAsync(1, TimeSpan.FromSeconds(20));
        await Task.Delay(3000);

        Assert.InRange((await smtp.MessagesAsync()).Count, 1, 2);
    }

    [Theory]
    [InlineData("EventPortal:Mail:Smtp:Port", "70000", "EventPortal:Mail:Smtp:Port")]
    [InlineData("EventPortal:Mail:Smtp:MessagesPerConnection", "0", "EventPortal:Mail:Smtp:MessagesPerConnection")]
    [InlineData("EventPortal:Mail:Dkim:Domain", "example.jp", "EventPortal:Mail:Dkim")]
    [InlineData("EventPortal:Mail:From", "not-an-address", "EventPortal:Mail:From")]
    [InlineData("EventPortal:Outbox:MaxParallel", "0", "EventPortal:Outbox:MaxParallel")]
    [InlineData("EventPortal:Mail:Smtp:UserName", "only-the-name", "EventPortal:Mail:Smtp:Password")]
    public async Task Bad_mail_settings_stop_the_app_with_a_message_naming_the_setting(string key, string value, string named)
    {
        var settings = MailSettings(2525);
        settings[key] = value;
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PortalApp.StartSqliteAsync(settings: settings));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Port_465_is_implicit_TLS_and_excludes_STARTTLS()
    {
        var smtp = new MailOptions { Transport = MailTransportKind.Smtp, Smtp = { Port = 465 } };
        Assert.True(smtp.Smtp.UsesImplicitTls);
        Assert.Empty(MailOptions.Validate(smtp));
        smtp.Smtp.StartTls = true;
        Assert.Contains(MailOptions.Validate(smtp), p => p.Contains("EventPortal:Mail:Smtp:StartTls", StringComparison.Ordinal));
    }

    [Fact]
    public void Graph_transport_needs_its_credentials_named()
    {
        var problems = MailOptions.Validate(new MailOptions { Transport = MailTransportKind.Graph }).ToList();
        Assert.Contains(problems, p => p.Contains("EventPortal:Mail:Graph:TenantId", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("EventPortal:Mail:Graph:SenderUserId", StringComparison.Ordinal));
    }

    internal static Dictionary<string, string?> MailSettings(int port) => new()
    {
        ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
        ["EventPortal:Mail:Transport"] = "Smtp",
        ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
        ["EventPortal:Mail:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EventPortal:Outbox:PollSeconds"] = "0.2",
        ["EventPortal:Outbox:RetryBaseSeconds"] = "0.5",
    };

    internal static async Task WaitForAsync(PortalApp app, string countSql, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await app.QueryOneAsync<int>(countSql) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{countSql}' never reached {expected}");
            await Task.Delay(200);
        }
    }
}
