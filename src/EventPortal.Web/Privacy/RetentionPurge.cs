using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Privacy;

/// <summary>
/// Settings under <c>EventPortal:Privacy</c>. APPI asks that personal data be kept only as long
/// as its purpose needs; for a briefing that is usually some months after it ends (questions,
/// the recording, a follow-up survey). Unset, nothing is purged automatically.
/// </summary>
public sealed class PrivacyOptions
{
    public const string Section = "EventPortal:Privacy";

    /// <summary>Days after an event ends when its registrants' personal data is deleted; null keeps it.</summary>
    public int? RetentionDays { get; set; }
    /// <summary>How often the purge looks for events past their retention.</summary>
    public double CheckIntervalMinutes { get; set; } = 60;

    public static IEnumerable<string> Validate(PrivacyOptions o)
    {
        if (o.RetentionDays is < 1 or > 36500)
            yield return "EventPortal:Privacy:RetentionDays must be between 1 and 36500 days (or unset to keep personal data).";
        if (o.CheckIntervalMinutes is <= 0 or > 1440)
            yield return "EventPortal:Privacy:CheckIntervalMinutes must be more than 0 and at most 1440.";
    }
}

/// <summary>
/// Deletes the personal data of every registration of events that ended (and whose recording
/// stopped being available) more than <see cref="PrivacyOptions.RetentionDays"/> ago, one event per transaction: names, addresses,
/// organisation, answers, notes and personal links go (and Zoom registrants are withdrawn); ticket, status, category, attendance and
/// times stay, so counts and reports still add up. Mail still owed to those people is skipped.
/// Each purge is written to <c>purge_log</c> and the audit log. Several instances may run this:
/// the event row's <c>personal_data_purged_at</c> is claimed in the same transaction.
/// </summary>
public sealed class RetentionPurge(Db db, IOptions<PrivacyOptions> options, TimeProvider clock, ILogger<RetentionPurge> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RetentionDays is null) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeDueAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Retention purge failed; trying again at the next check");
            }
            try { await Task.Delay(TimeSpan.FromMinutes(options.Value.CheckIntervalMinutes), clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Purges every event past its retention now; returns how many events were purged.</summary>
    public async Task<int> PurgeDueAsync(CancellationToken ct)
    {
        if (options.Value.RetentionDays is not { } days) return 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var before = now.AddDays(-days);
        List<Due> due;
        await using (var connection = await db.OpenAsync(ct))
            due = (await connection.QueryAsync<Due>(new CommandDefinition(
                """
                SELECT id, slug FROM events
                WHERE ends_at < @before
                  AND (recording_url IS NULL OR (recording_available_until IS NOT NULL AND recording_available_until < @before))
                  AND personal_data_purged_at IS NULL
                ORDER BY ends_at
                """,
                new { before }, cancellationToken: ct))).AsList();
        var purged = 0;
        foreach (var e in due)
        {
            var count = await db.WriteAsync(async (c, tx) =>
            {
                // The claim: another instance that got here first leaves nothing to do.
                if (await c.ExecuteAsync(new CommandDefinition(
                        "UPDATE events SET personal_data_purged_at = @now WHERE id = @Id AND personal_data_purged_at IS NULL",
                        new { e.Id, now }, tx, cancellationToken: ct)) == 0)
                    return -1;
                // Zoom keeps each registrant's name and address: Erasure withdraws them too.
                var erased = await Erasure.EraseEventAsync(c, tx, e.Id, now, ct);
                await c.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO purge_log (event_id, event_slug, registrations, retention_days, purged_at)
                    VALUES (@Id, @Slug, @erased, @days, @now)
                    """, new { e.Id, e.Slug, erased, days, now }, tx, cancellationToken: ct));
                await c.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO audit_log (at, actor, action, target, detail, ip)
                    VALUES (@now, 'system', 'privacy.purge', @target, @detail, '')
                    """, new { now, target = "event:" + e.Slug, detail = $"{erased} registrations, retention {days} days" },
                    tx, cancellationToken: ct));
                return erased;
            }, ct);
            if (count < 0) continue;
            purged++;
            logger.LogInformation("Retention: deleted the personal data of {Count} registrations of event {EventId}", count, e.Id);
        }
        return purged;
    }

    sealed class Due
    {
        public long Id { get; init; }
        public string Slug { get; init; } = "";
    }
}
