using Microsoft.Extensions.Options;

namespace EventPortal.Web.Outbox;

/// <summary>
/// Settings under <c>EventPortal:Outbox</c>: how the dispatcher works every row, mail and meeting
/// alike. They sat under <c>EventPortal:Mail</c> until meeting rows shared the queue; those keys
/// still work where the new one is unset (<see cref="MovedFromMail"/>).
/// </summary>
public sealed class OutboxOptions
{
    public const string Section = "EventPortal:Outbox";
    /// <summary>Where these keys used to be.</summary>
    public const string OldSection = "EventPortal:Mail";

    /// <summary>
    /// Whether this instance works through the outbox. Off for an instance that should only
    /// serve pages (several instances may all dispatch safely; this is for separating roles).
    /// </summary>
    public bool DispatcherEnabled { get; set; } = true;
    /// <summary>
    /// Rows worked at once: sender slots, each keeping its own SMTP connection. 16 sends 10,000
    /// confirmations into a local relay in a few seconds (bench/README.md); a remote relay's round
    /// trips make more slots worth it, a relay's limit of connections fewer.
    /// </summary>
    public int MaxParallel { get; set; } = 16;
    /// <summary>Rows claimed at once; the next claim comes when no more than MaxParallel of them are left.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>How often the dispatcher looks for due rows when no commit has woken it.</summary>
    public double PollSeconds { get; set; } = 1;
    /// <summary>First retry delay; each later one doubles (with jitter), up to an hour.</summary>
    public double RetryBaseSeconds { get; set; } = 30;
    /// <summary>Transient failures before a row is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 12;
    /// <summary>A row in flight longer than this belonged to an instance that died; it is claimed again.</summary>
    public double InFlightTimeoutSeconds { get; set; } = 300;
    /// <summary>Sent rows older than this are deleted; failed ones stay until someone looks.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>Every key above: each was <c>EventPortal:Mail:{key}</c> before.</summary>
    public static readonly IReadOnlyList<string> MovedFromMail =
    [
        nameof(DispatcherEnabled), nameof(MaxParallel), nameof(BatchSize), nameof(PollSeconds),
        nameof(RetryBaseSeconds), nameof(MaxAttempts), nameof(InFlightTimeoutSeconds), nameof(RetentionDays),
    ];

    public static IEnumerable<string> Validate(OutboxOptions o)
    {
        if (o.MaxParallel is < 1 or > 64) yield return $"{Section}:MaxParallel must be between 1 and 64.";
        if (o.BatchSize is < 1 or > 1000) yield return $"{Section}:BatchSize must be between 1 and 1000.";
        if (o.PollSeconds is <= 0 or > 60) yield return $"{Section}:PollSeconds must be more than 0 and at most 60.";
        if (o.RetryBaseSeconds is <= 0 or > 3600) yield return $"{Section}:RetryBaseSeconds must be more than 0 and at most 3600.";
        if (o.MaxAttempts is < 1 or > 100) yield return $"{Section}:MaxAttempts must be between 1 and 100.";
        if (o.InFlightTimeoutSeconds < 5) yield return $"{Section}:InFlightTimeoutSeconds must be at least 5.";
        if (o.RetentionDays < 1) yield return $"{Section}:RetentionDays must be at least 1.";
    }

    /// <summary>
    /// Reads a key from its old place under <c>EventPortal:Mail</c> when the new one is unset, so an
    /// upgrade keeps its settings (a page-only instance stays page-only), and says so once at
    /// start-up, naming both keys. Where both are set, the new one wins and the old is reported ignored.
    /// </summary>
    internal sealed class ReadMovedKeys(IConfiguration configuration, ILogger<OutboxOptions> logger) : IConfigureOptions<OutboxOptions>
    {
        // The options are built more than once (IOptions, and the IOptionsMonitor of the start-up check): say it once.
        int _told;

        public void Configure(OutboxOptions options)
        {
            var tell = Interlocked.Exchange(ref _told, 1) == 0;
            foreach (var key in MovedFromMail)
            {
                var (oldKey, newKey) = ($"{OldSection}:{key}", $"{Section}:{key}");
                if (configuration[oldKey] is null) continue;
                if (configuration[newKey] is not null)
                {
                    if (tell) logger.LogWarning("{OldKey} is ignored: the setting moved to {NewKey}, which is set too", oldKey, newKey);
                    continue;
                }
                var property = typeof(OutboxOptions).GetProperty(key)!;
                property.SetValue(options, configuration.GetValue(property.PropertyType, oldKey));
                if (tell)
                    logger.LogWarning("{OldKey} has moved to {NewKey}; the old key still works for now, please rename it", oldKey, newKey);
            }
        }
    }
}
