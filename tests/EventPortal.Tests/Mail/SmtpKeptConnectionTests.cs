using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Mail;

namespace EventPortal.Tests.Mail;

/// <summary>
/// A kept SMTP session the relay dropped while it waited (a restart here; a relay's idle timeout
/// in real life) is found dead and replaced before it carries the next message, so that message
/// goes out at once instead of failing into the outbox's retry delay.
/// </summary>
public sealed class SmtpKeptConnectionTests
{
    [Fact]
    public async Task A_session_the_relay_dropped_while_idle_is_replaced_and_the_next_message_goes_out()
    {
        await using var smtp = await SmtpServer.StartAsync();
        using var transport = new SmtpTransport(new MailOptions.SmtpSettings { Host = "127.0.0.1", Port = smtp.Port });
        await transport.SendAsync(SmtpSocketTests.Message(1), CancellationToken.None);
        Assert.Single(transport.IdleSockets);

        await smtp.RestartAsync();       // every open session is gone; the transport still holds its one
        await Task.Delay(2500);          // longer than the probe threshold, far shorter than IdleSeconds

        await transport.SendAsync(SmtpSocketTests.Message(2), CancellationToken.None);
        var mails = await smtp.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(["person1@example.jp", "person2@example.jp"], mails.SelectMany(m => m.RcptTos).Order());
    }
}
