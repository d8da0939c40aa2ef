using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
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
    readonly SemaphoreSlim _tokenGate = new(1, 1);
    AccessToken? _token;
    readonly SmtpTrust _trust;
    readonly ConcurrentStack<SmtpConnection> _idle = new();
    readonly Timer _sweep;

    public SmtpTransport(MailOptions.SmtpSettings settings, TokenCredential? oauth = null)
    {
        _settings = settings;
        // One credential for every session: its MSAL cache keeps the token until shortly before it expires.
        _oauth = settings.OAuth.Enabled ? oauth ?? OAuthCredential(settings) : null;
        _trust = SmtpTrust.For(settings);
        var period = TimeSpan.FromSeconds(Math.Max(1, settings.IdleSeconds / 2.0));
        _sweep = new Timer(_ => CloseStale(), null, period, period);
    }

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var connection = Take() ?? new SmtpConnection(_settings, _oauth is null ? null : TokenAsync, _trust);
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

    /// <summary>
    /// The XOAUTH2 token, asked for by one session at a time: the sessions a rush opens together would
    /// otherwise each fetch one before the credential's cache holds the first. Renewed five minutes
    /// before it expires (a session authenticates once, at its start).
    /// </summary>
    async Task<string> TokenAsync(CancellationToken ct)
    {
        await _tokenGate.WaitAsync(ct);
        try
        {
            if (_token is not { } token || token.ExpiresOn - TimeSpan.FromMinutes(5) <= DateTimeOffset.UtcNow)
            {
                try { _token = token = await _oauth!.GetTokenAsync(new TokenRequestContext([_settings.OAuth.Scope]), ct); }
                catch (AuthenticationFailedException e)
                {
                    // The operator fixes the app registration or its secret, and the queue drains.
                    var (_, reason) = TokenFailure.Of(e);
                    throw new OutboxException($"SMTP XOAUTH2: no token from the identity platform: {reason}", permanent: false, e);
                }
            }
            return token.Token;
        }
        finally { _tokenGate.Release(); }
    }

    /// <summary>The credential for XOAUTH2 (Microsoft 365 SMTP) from <c>EventPortal:Mail:Smtp:OAuth</c>.</summary>
    static TokenCredential OAuthCredential(MailOptions.SmtpSettings settings) =>
        new ClientSecretCredential(settings.OAuth.TenantId, settings.OAuth.ClientId, settings.OAuth.ClientSecret,
            new ClientSecretCredentialOptions { AuthorityHost = new Uri(settings.OAuth.AuthorityHost) });

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
