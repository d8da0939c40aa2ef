using EventPortal.Tests.Attendance;
using EventPortal.Tests.Infrastructure;
using static EventPortal.Tests.Webhooks.WebhookKit;

namespace EventPortal.Tests.Webhooks;

/// <summary>
/// Deliveries as a receiver sees them: one signed POST per registration event and hook, retried until it is answered
/// with a 2xx, and never repeated, not even by another start of the app on the same database.
/// </summary>
public sealed class WebhookDeliveryTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_registration_created_confirmed_cancelled_and_another_attended_each_reach_the_hook_once_signed(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(engine, Settings(loopback: true));
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using var owner = await app.SignedInAsync();
        var (status, _, secret) = await owner.AddWebhookAsync(receiver.Url, personal: true);
        Assert.Equal(200, status);
        Assert.NotNull(secret);

        using var browser = app.Browser();
        var leaving = await browser.RegisteredAsync(slug, "leaving@example.jp");
        await browser.CancelAsync(leaving);
        var coming = await app.RegisterPersonAsync(slug, "coming@example.jp", family: "佐藤", given: "一郎");
        await owner.MarkInConsoleAsync(slug, coming, "yes");
        await owner.MarkInConsoleAsync(slug, coming, "yes");   // a second mark is not a second attendance

        var received = await receiver.WaitForAsync(6, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(6, received.Count);
        Assert.All(received, d => Assert.True(WebhookReceiver.SignatureValid(d, secret!), $"bad signature on {d.Body}"));
        Assert.All(received, d => Assert.False(WebhookReceiver.SignatureValid(d, secret + "x")));
        Assert.Equal(6, received.Select(d => d.Id).Distinct().Count());
        Assert.All(received, d => Assert.Equal(d.Id, d.Json.GetProperty("id").GetString()));
        Assert.All(received, d => Assert.Equal(d.Type, d.Json.GetProperty("type").GetString()));
        var byPerson = received.GroupBy(d => d.Data.GetProperty("email").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(d => d.Type).Order().ToList());
        Assert.Equal(["registration.cancelled", "registration.confirmed", "registration.created"], byPerson["leaving@example.jp"]);
        Assert.Equal(["registration.attended", "registration.confirmed", "registration.created"], byPerson["coming@example.jp"]);
        var attended = received.Single(d => d.Type == "registration.attended");
        Assert.Equal(coming, attended.Data.GetProperty("registrationId").GetInt64());
        Assert.Equal(slug, attended.Data.GetProperty("event").GetString());
        Assert.Equal("live", attended.Data.GetProperty("ticket").GetString());
        Assert.Equal("佐藤", attended.Data.GetProperty("familyName").GetString());
        Assert.Equal("cancelled", received.Single(d => d.Type == "registration.cancelled").Data.GetProperty("status").GetString());
        var page = await owner.GetStringAsync("/admin/webhooks");
        Assert.Contains(receiver.Url, page);
        Assert.Contains(received[0].Id, page);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Without_the_personal_option_a_delivery_names_nobody(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(engine, Settings(loopback: true));
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using (var owner = await app.SignedInAsync()) await owner.AddWebhookAsync(receiver.Url, ["registration.created"], slug);
        await app.RegisterPersonAsync(slug, "quiet@example.jp");

        var d = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("registration.created", d.Type);
        Assert.False(d.Data.TryGetProperty("email", out _));
        Assert.False(d.Data.TryGetProperty("familyName", out _));
        Assert.DoesNotContain("quiet@example.jp", d.Body);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_receiver_answering_500_then_200_gets_one_retry_and_exactly_one_success(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync(500);
        await using var app = await StartAsync(engine, Settings(loopback: true));
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using (var owner = await app.SignedInAsync()) await owner.AddWebhookAsync(receiver.Url, ["registration.created"]);
        await app.RegisterPersonAsync(slug, "retry@example.jp");

        var received = await receiver.WaitForAsync(2, settle: TimeSpan.FromSeconds(3));
        Assert.Equal(2, received.Count);
        Assert.Single(received.Select(d => d.Id).Distinct());   // the same delivery, tried twice
        Assert.Single(received.Select(d => d.Body).Distinct());
        var row = Assert.Single(await app.QueryAsync<(string Status, int Attempts, int HttpStatus)>("""
            SELECT o.status, o.attempts, d.http_status FROM outbox o JOIN webhook_deliveries d ON d.outbox_id = o.id
            """));
        Assert.Equal(("sent", 2, 200), row);
    }

    /// <summary>The outbox's exactly-once: rows queued by one start are sent by the next, and nothing sent is sent again.</summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task No_delivery_is_repeated_across_a_restart_of_the_app(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (database, place) = await DatabaseAsync(engine);
        string slug;
        await using (var first = await PortalApp.StartAsync(database, false,
            Settings(loopback: true, new(place) { ["EventPortal:Outbox:DispatcherEnabled"] = "false" })))
        {
            slug = await first.CreateEventAsync(liveSeats: 10);
            using (var owner = await first.SignedInAsync()) await owner.AddWebhookAsync(receiver.Url, ["registration.created"]);
            await first.RegisterPersonAsync(slug, "one@example.jp");
            await first.RegisterPersonAsync(slug, "two@example.jp");
        }
        Assert.Empty(receiver.Received);
        await using (var second = await PortalApp.StartAsync(database, false, Settings(loopback: true, place)))
        {
            await receiver.WaitForAsync(2);
            await second.RegisterPersonAsync(slug, "three@example.jp");
            await receiver.WaitForAsync(3);
        }
        await using (var third = await PortalApp.StartAsync(database, false, Settings(loopback: true, place)))
        {
            using var client = third.Client();
            await client.RegisterAsync(slug, "three@example.jp");   // a repeat registration is not a new one
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(3, await third.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind LIKE 'webhook.%' AND status = 'sent'"));
        }
        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal(3, receiver.Received.Select(d => d.Id).Distinct().Count());
    }

    /// <summary>
    /// One database for several starts: a PostgreSQL database, or a SQLite file in a data directory of its own (a setting:
    /// each start would otherwise get a fresh directory).
    /// </summary>
    internal static async Task<(Dictionary<string, string?> Database, Dictionary<string, string?> Settings)> DatabaseAsync(string engine) =>
        engine == "postgres"
            ? (new()
            {
                ["EventPortal:Database:Provider"] = "Postgres",
                ["ConnectionStrings:EventPortal"] = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(),
            }, [])
            : (new() { ["EventPortal:Database:Provider"] = "Sqlite" },
                new() { ["EventPortal:DataDirectory"] = Directory.CreateTempSubdirectory("eventportal-webhooks-").FullName });
}
