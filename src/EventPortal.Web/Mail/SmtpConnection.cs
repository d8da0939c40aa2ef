using System.Net;
using System.Net.Sockets;
using EventPortal.Web.Outbox;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace EventPortal.Web.Mail;

/// <summary>
/// One SMTP session, kept open for message after message (MailKit pipelines MAIL, RCPT and DATA
/// where the relay offers PIPELINING). The socket is our own, made with <c>NoDelay</c>: MailKit's
/// own keeps Nagle on, and then the small last write of every DATA waits for the relay's delayed
/// ACK, about 40 ms per message (~25 a second per connection instead of hundreds; bench/README.md).
/// </summary>
/// <param name="oauthToken">Gives the XOAUTH2 token (Microsoft 365), or null for AUTH with a password or none.</param>
sealed class SmtpConnection(MailOptions.SmtpSettings settings, Func<CancellationToken, Task<string>>? oauthToken, SmtpTrust trust)
    : IDisposable
{
    readonly SmtpClient _client = new() { Timeout = settings.TimeoutSeconds * 1000 };
    /// <summary>Why the relay's certificate was refused in the last handshake, if it was.</summary>
    string? _refusal;
    int _sent;
    long _lastUsed = Environment.TickCount64;

    /// <summary>The socket the session runs on (tests check it is NoDelay).</summary>
    internal Socket? Socket { get; private set; }

    public bool Stale => Environment.TickCount64 - _lastUsed > settings.IdleSeconds * 1000L;
    public bool Spent => _sent >= settings.MessagesPerConnection;

    /// <summary>
    /// Sends one message. Returns normally when the relay took it; throws <see cref="OutboxException"/>
    /// otherwise, with <paramref name="reusable"/> telling whether the session is still in a known state.
    /// </summary>
    public async Task SendAsync(MimeMessage message, Action<bool> reusable, CancellationToken ct)
    {
        try
        {
            if (_client.IsConnected && Environment.TickCount64 - _lastUsed > ProbeAfterMs) await ProbeAsync(ct);
            if (!_client.IsConnected) await ConnectAsync(ct);
            await _client.SendAsync(message, ct);
            _sent++;
            _lastUsed = Environment.TickCount64;
            reusable(true);
        }
        catch (SmtpCommandException e)
        {
            // A refused sender, recipient or message: MailKit has reset the transaction, the session goes on.
            reusable(e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.SenderNotAccepted
                or SmtpErrorCode.MessageNotAccepted);
            var who = e.Mailbox is { } m ? $" ({m.Address})" : "";
            throw new OutboxException($"{(int)e.StatusCode} {e.Message}{who}", IsPermanent((int)e.StatusCode), e);
        }
        catch (AuthenticationException e)
        {
            // 535 and friends: the operator fixes the password or the app registration, and the queue drains.
            reusable(false);
            throw new OutboxException($"SMTP authentication failed: {e.Message}", permanent: false, e);
        }
        catch (Exception e) when (e is not OutboxException && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Refused or dropped connections, TLS trouble, timeouts, protocol errors: worth another try.
            reusable(false);
            var reason = e is SslHandshakeException && _refusal is not null ? _refusal : e.Message;
            throw new OutboxException($"SMTP {settings.Host}:{settings.Port}: {reason}", permanent: false, e);
        }
    }

    /// <summary>A session unused for longer than this is asked NOOP before it carries a message.</summary>
    const long ProbeAfterMs = 2000;

    /// <summary>
    /// A relay may have dropped a session that waited (its own idle timeout, a restart): NOOP finds
    /// out, and a dead session is replaced now instead of failing the message into a retry delay.
    /// Only sessions idle for a while are asked, so a rush pays nothing.
    /// </summary>
    async Task ProbeAsync(CancellationToken ct)
    {
        try
        {
            await _client.NoOpAsync(ct);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException
            or ServiceNotConnectedException)
        {
            try { if (_client.IsConnected) await _client.DisconnectAsync(false, ct); }
            catch (Exception f) when (f is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException) { }
        }
    }

    /// <summary>5xx will not get better, except 530/535 (authentication), which an operator can fix.</summary>
    internal static bool IsPermanent(int code) => code is >= 500 and < 600 and not 530 and not 535;

    async Task ConnectAsync(CancellationToken ct)
    {
        Socket?.Dispose();
        _refusal = null;
        // The system's validation, or the relay's pinned certificate (EventPortal:Mail:Smtp:TrustedCertificateFile).
        _client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
            (_refusal = trust.Refusal(certificate, chain, errors)) is null;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
            try { await socket.ConnectAsync(settings.Host, settings.Port, timeout.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no connection within {settings.TimeoutSeconds} s");
            }
            var security = settings.UsesImplicitTls ? SecureSocketOptions.SslOnConnect
                : settings.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
            await _client.ConnectAsync(socket, settings.Host, settings.Port, security, ct);
            Socket = socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _sent = 0;
        if (oauthToken is not null)
            await _client.AuthenticateAsync(new SaslMechanismOAuth2(settings.UserName!, await oauthToken(ct)), ct);
        else if (!string.IsNullOrEmpty(settings.UserName))
            await _client.AuthenticateAsync(new NetworkCredential(settings.UserName, settings.Password), ct);
    }

    /// <summary>Says goodbye (QUIT) when the session is healthy; never throws.</summary>
    public async Task CloseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (_client.IsConnected) await _client.DisconnectAsync(true, timeout.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ProtocolException
            or ServiceNotConnectedException or ObjectDisposedException)
        {
        }
        finally { Dispose(); }
    }

    public void Dispose()
    {
        _client.Dispose();
        Socket?.Dispose();
    }
}
