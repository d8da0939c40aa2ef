using System.Collections.Concurrent;
using Azure.Core;
using MimeKit;

namespace EventPortal.Web.Mail;

/// <summary>
/// SMTP through MailKit with kept connections: a send takes an idle session (or opens one), and
/// gives it back when the relay took the message or refused only that message. So each of the
/// dispatcher's slots keeps a session of its own, and at most <c>EventPortal:Outbox:MaxParallel</c>
/// are open. A session is closed after an error, after <c>IdleSeconds</c> unused (before the
/// relay's own timeout drops it under us) and after <c>MessagesPerConnection</c> messages. Replies
/// are sorted into "try again" (4xx, connection trouble, authentication an operator may fix) and
/// "never" (other 5xx, such as an unknown mailbox: only that message fails).
/// </summary>
public sealed class SmtpTransport : IMailTransport, IDisposable
{
    readonly MailOptions.SmtpSettings _settings;
    readonly TokenCredential? _oauth;
    readonly SmtpTrust _trust;
    readonly ConcurrentStack<SmtpConnection> _idle = new();
    readonly Timer _sweep;

    public SmtpTransport(MailOptions.SmtpSettings settings)
    {
        _settings = settings;
        _oauth = SmtpConnection.OAuthCredential(settings);
        _trust = SmtpTrust.For(settings);
        var period = TimeSpan.FromSeconds(Math.Max(1, settings.IdleSeconds / 2.0));
        _sweep = new Timer(_ => CloseStale(), null, period, period);
    }

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var connection = Take() ?? new SmtpConnection(_settings, _oauth, _trust);
        var keep = false;
        try
        {
            await connection.SendAsync(message, reusable => keep = reusable, ct);
        }
        finally
        {
            if (keep && !connection.Spent) _idle.Push(connection);
            else _ = connection.CloseAsync();
        }
    }

    /// <summary>The sockets of the idle sessions (for tests).</summary>
    internal IReadOnlyList<System.Net.Sockets.Socket> IdleSockets =>
        _idle.Select(c => c.Socket).OfType<System.Net.Sockets.Socket>().ToList();

    SmtpConnection? Take()
    {
        while (_idle.TryPop(out var connection))
        {
            if (!connection.Stale) return connection;
            _ = connection.CloseAsync();
        }
        return null;
    }

    void CloseStale()
    {
        var kept = new List<SmtpConnection>();
        while (_idle.TryPop(out var connection))
            if (connection.Stale) _ = connection.CloseAsync();
            else kept.Add(connection);
        if (kept.Count > 0) _idle.PushRange(kept.AsEnumerable().Reverse().ToArray());
    }

    public void Dispose()
    {
        _sweep.Dispose();
        while (_idle.TryPop(out var connection)) connection.CloseAsync().Wait(TimeSpan.FromSeconds(5));
    }
}
