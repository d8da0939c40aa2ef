using System.Diagnostics;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Mail;

/// <summary>The SMTP server goes away and comes back: registrations go on, and every mail arrives exactly once.</summary>
public sealed class MailOutage
{
    [Fact]
    public async Task With_the_SMTP_server_down_registrations_succeed_and_every_mail_arrives_once_when_it_returns()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var app = await MailDelivery.StartAppAsync(smtp.Port);
        var slug = await app.CreateEventAsync(liveSeats: 10);
        await smtp.StopAsync();

        using var client = app.Client();
        var clock = Stopwatch.StartNew();
        var emails = Enumerable.Range(0, 20).Select(i => $"outage{i:00}@example.jp").ToList();
        foreach (var email in emails) await client.RegisteredAsync(slug, email);
        clock.Stop();

        // Registering never waits for mail: 20 registrations, one after another, while every send fails.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"20 registrations took {clock.Elapsed}");
        await Task.Delay(1500);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'failed')"));
        Assert.True(await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE status = 'retry'") > 0);

        await smtp.RestartAsync();
        var mails = await smtp.WaitForAsync(20, TimeSpan.FromSeconds(90));
        await Task.Delay(2000);
        mails = await smtp.MessagesAsync();

        Assert.Equal(20, mails.Count);
        Assert.Equal(emails.Order(), mails.SelectMany(m => m.RcptTos).Order());
        Assert.Equal(20, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"));
    }
}
