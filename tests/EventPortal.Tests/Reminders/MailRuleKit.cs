using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Reminders;

/// <summary>
/// The mail rule tests' setting: an app that sends through a real SMTP server, with a clock the test moves,
/// and an event on 2030-03-06 12:00–13:00 in Tokyo.
/// </summary>
public static class MailRuleKit
{
    public static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime End = Start.AddHours(1);

    /// <summary>An SMTP server, and the app (started by <paramref name="startApp"/> on its engine) mailing through it.</summary>
    public static async Task<(SmtpServer Smtp, PortalApp App, TestClock Clock)> StartAsync(
        Func<Dictionary<string, string?>, TestClock, Task<PortalApp>> startApp)
    {
        var smtp = await SmtpServer.StartAsync();
        var clock = new TestClock(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var app = await startApp(Organisers.Bootstrap(new Dictionary<string, string?>
        {
            ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
            ["EventPortal:Mail:Transport"] = "Smtp",
            ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
            ["EventPortal:Mail:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EventPortal:Outbox:PollSeconds"] = "0.2",
        }), clock);
        return (smtp, app, clock);
    }

    public static async Task<List<ReceivedMail>> MailsAsync(SmtpServer smtp, string address, string subjectStart) =>
        (await smtp.MessagesAsync()).Where(m => m.RcptTos.Contains(address) && m.Subject.StartsWith(subjectStart, StringComparison.Ordinal))
            .ToList();

    /// <summary>Waits for <paramref name="expectedTotal"/> messages in all, then a moment more: anything extra would arrive then.</summary>
    public static async Task SettleAsync(SmtpServer smtp, int expectedTotal)
    {
        await smtp.WaitForAsync(expectedTotal, TimeSpan.FromSeconds(30));
        await Task.Delay(1500);
        Assert.Equal(expectedTotal, (await smtp.MessagesAsync()).Count);
    }
}
