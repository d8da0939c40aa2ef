using System.Net;
using System.Net.Mail;
using System.Net.Sockets;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Mail;

/// <summary>Hands a finished message to something that delivers it.</summary>
public interface IMailTransport
{
    Task SendAsync(MailMessage message, CancellationToken ct);
}

/// <summary>
/// The default: each message becomes an .eml file in <c>{DataDirectory}/mail/pickup</c>, so the
/// embedded default needs no mail server and an operator can read what would have been sent.
/// </summary>
public sealed class PickupTransport(string directory) : IMailTransport
{
    public async Task SendAsync(MailMessage message, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        using var client = new SmtpClient
            { DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory, PickupDirectoryLocation = directory };
        try { await client.SendMailAsync(message, ct); }
        catch (SmtpException e) { throw new OutboxException($"Pickup directory {directory}: {e.Message}", permanent: false, e); }
    }
}

/// <summary>
/// SMTP through System.Net.Mail: STARTTLS (<c>EnableSsl</c>) and AUTH LOGIN. An SmtpClient
/// sends one message at a time, so each send gets its own; the dispatcher's parallelism is
/// what makes a rush go fast. Replies are sorted into "try again" (4xx, connection trouble,
/// authentication that an operator may fix) and "never" (5xx such as unknown mailbox).
/// </summary>
public sealed class SmtpTransport(MailOptions.SmtpSettings settings) : IMailTransport
{
    public async Task SendAsync(MailMessage message, CancellationToken ct)
    {
        using var client = new SmtpClient(settings.Host, settings.Port)
        {
            EnableSsl = settings.StartTls,
            Timeout = settings.TimeoutSeconds * 1000,
            DeliveryMethod = SmtpDeliveryMethod.Network,
        };
        if (!string.IsNullOrEmpty(settings.UserName))
            client.Credentials = new NetworkCredential(settings.UserName, settings.Password);
        try
        {
            await client.SendMailAsync(message, ct);
        }
        catch (SmtpFailedRecipientException e)
        {
            throw new OutboxException($"{(int)e.StatusCode} {e.Message}", IsPermanent(e.StatusCode), e);
        }
        catch (SmtpException e)
        {
            throw new OutboxException(
                $"{(int)e.StatusCode} {e.Message}{(e.InnerException is null ? "" : " " + e.InnerException.Message)}",
                IsPermanent(e.StatusCode), e);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            throw new OutboxException(e.Message, permanent: false, e);
        }
    }

    static bool IsPermanent(SmtpStatusCode code) => (int)code is >= 500 and < 600
        // 530/535: authentication. The operator fixes the password and the queue drains.
        && code is not (SmtpStatusCode)530 and not (SmtpStatusCode)535;
}
