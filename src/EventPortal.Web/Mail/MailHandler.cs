using System.Threading.RateLimiting;
using EventPortal.Web.Outbox;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Mail;

/// <summary>
/// The outbox handler for every <c>mail.*</c> row: compose from the current state, then send, no
/// faster than <see cref="MailOptions.MessagesPerMinute"/> (a limit of the relay, so meeting rows
/// do not count against it).
/// </summary>
public sealed class MailHandler(MailComposer composer, IMailTransport transport, IOptions<MailOptions> options)
    : IOutboxHandler, IDisposable
{
    readonly RateLimiter? _throttle = options.Value.MessagesPerMinute > 0
        ? new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, options.Value.MessagesPerMinute / 6),
            TokensPerPeriod = Math.Max(1, options.Value.MessagesPerMinute / 6),
            ReplenishmentPeriod = TimeSpan.FromSeconds(10),
            QueueLimit = int.MaxValue,
            AutoReplenishment = true,
        })
        : null;

    public string KindPrefix => "mail.";
    public RateLimiter? Throttle => _throttle;

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        var message = await composer.ComposeAsync(row, ct);
        if (message is null) return OutboxResult.Skipped;
        await transport.SendAsync(message, ct);
        return OutboxResult.Done;
    }

    public void Dispose() => _throttle?.Dispose();
}
