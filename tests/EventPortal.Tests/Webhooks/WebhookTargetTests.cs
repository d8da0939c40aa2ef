using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static EventPortal.Tests.Webhooks.WebhookKit;

namespace EventPortal.Tests.Webhooks;

/// <summary>
/// SSRF: a hook may not make the server call its own network. Refused when saved (with a message saying why) and again
/// when delivering, after resolving the name (a name may point elsewhere by then), unless the install allows it.
/// </summary>
public sealed class WebhookTargetTests
{
    [Theory]
    [InlineData("127.0.0.1", false), InlineData("127.8.9.10", false), InlineData("10.0.0.1", false), InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false), InlineData("192.168.1.1", false), InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false), InlineData("0.0.0.0", false), InlineData("224.0.0.1", false), InlineData("::1", false)]
    [InlineData("::", false), InlineData("fe80::1", false), InlineData("fd12:3456::1", false), InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:127.0.0.1", false), InlineData("2001:db8::1", false)]
    [InlineData("8.8.8.8", true), InlineData("172.32.0.1", true), InlineData("203.0.113.9", true), InlineData("2606:4700::1111", true)]
    public void Only_public_addresses_are_webhook_targets(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookTargets.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Plain_http_and_loopback_private_link_local_addresses_are_refused_when_saved_with_the_reason(string engine)
    {
        await using var app = await StartAsync(engine, Settings(loopback: false));
        using var owner = await app.SignedInAsync();
        foreach (var (url, reason) in new[]
        {
            ("http://hooks.example.jp/in", "https://"),
            ("https://127.0.0.1/hook", "SSRF"),
            ("https://10.1.2.3/hook", "SSRF"),
            ("https://169.254.169.254/latest/meta-data/", "SSRF"),
            ("https://[::1]:8443/hook", "SSRF"),
            ("https://[fd00::5]/hook", "SSRF"),
            ("https://localhost:8443/hook", "SSRF"),
            ("https://user:pw@hooks.example.jp/in", "URL"),
            ("hooks.example.jp/in", "URL"),
        })
        {
            var (status, page, secret) = await owner.AddWebhookAsync(url);
            Assert.True(status == 422, $"{url}: {status}");
            Assert.Null(secret);
            Assert.Contains("role=\"alert\"", page);
            Assert.Contains(reason, page);
        }
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM webhooks"));
        var (accepted, _, _) = await owner.AddWebhookAsync("https://203.0.113.10/hook");
        Assert.Equal(200, accepted);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Deliveries_to_private_targets_are_refused_at_delivery_logged_and_shown_failed(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (database, place) = await WebhookDeliveryTests.DatabaseAsync(engine);
        var port = receiver.Base.Port;
        string[] urls =
        [
            receiver.Url, $"https://127.0.0.1:{port}/hook", $"https://localhost:{port}/hook", $"https://[::1]:{port}/hook",
            "https://10.20.30.40/hook", "https://169.254.169.254/latest/meta-data/",
        ];
        string slug;
        // Saved while the install allowed it (a test setting, as for an office's own network) ...
        await using (var allowing = await PortalApp.StartAsync(database, false, Settings(loopback: true, place)))
        {
            slug = await allowing.CreateEventAsync(liveSeats: 10);
            using var owner = await allowing.SignedInAsync();
            foreach (var url in urls) Assert.Equal(200, (await owner.AddWebhookAsync(url, ["registration.created"])).Status);
        }
        // ... delivered after it stopped allowing it: each is refused before any connection, for good.
        var logs = new CapturedLogs();
        await using var app = await PortalApp.StartAsync(database, false, Settings(loopback: false, place),
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        await app.RegisterPersonAsync(slug, "target@example.jp");

        var until = DateTime.UtcNow.AddSeconds(30);
        while (await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind LIKE 'webhook.%' AND status = 'failed'") < urls.Length
            && DateTime.UtcNow < until)
            await Task.Delay(100);
        var rows = await app.QueryAsync<(string Status, int Attempts, string Error)>(
            "SELECT status, attempts, last_error FROM outbox WHERE kind LIKE 'webhook.%' ORDER BY id");
        Assert.Equal(urls.Length, rows.Count);
        Assert.All(rows, r => Assert.Equal(("failed", 1), (r.Status, r.Attempts)));
        Assert.All(rows, r => Assert.StartsWith("Refused", r.Error));
        Assert.Empty(receiver.Received);
        Assert.Contains("refused", logs.Text);
        using var browser = await app.SignedInAsync();
        Assert.Contains("Refused", await browser.GetStringAsync("/admin/webhooks"));
    }
}
