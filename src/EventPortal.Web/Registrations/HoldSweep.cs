using Dapper;
using EventPortal.Web.Data;
using Microsoft.Extensions.Options;
using static EventPortal.Web.Registrations.RegistrationStatus;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Releases seats held for addresses nobody confirmed in time, through the seat rules
/// (<see cref="Seats.LapseAsync"/>), so each freed seat goes to the waitlist. Every instance
/// runs it: on PostgreSQL the lapsed rows are claimed with <c>FOR UPDATE SKIP LOCKED</c> (as the
/// outbox claims its rows), so two instances work on different holds; and each release names the
/// status it expects, so a hold is released once even if two sweeps did meet it.
/// </summary>
public sealed class HoldSweep(Db db, IOptions<RegistrationOptions> options, TimeProvider clock, ILogger<HoldSweep> logger)
    : BackgroundService
{
    const int BatchSize = 100;

    const string Lapsed = $"""
        SELECT id FROM registrations WHERE status = '{Pending}' AND hold_until <= @now
        ORDER BY hold_until, id LIMIT @BatchSize
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Releasing lapsed seat holds failed; trying again at the next sweep");
            }
            try { await Task.Delay(TimeSpan.FromSeconds(options.Value.SweepSeconds), clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Releases every hold that has run out by now; returns how many this instance released.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var released = 0;
        while (true)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var (seen, done) = await db.WriteAsync(async (c, tx) =>
            {
                var claim = db.IsSqlite ? Lapsed : Lapsed + " FOR UPDATE SKIP LOCKED";
                var ids = (await c.QueryAsync<long>(new CommandDefinition(claim, new { now, BatchSize }, tx, cancellationToken: ct)))
                    .AsList();
                var count = 0;
                foreach (var id in ids)
                    if (await Seats.FindAsync(c, tx, id, ct) is { } r && await Seats.LapseAsync(c, tx, r, now, ct)) count++;
                return (ids.Count, count);
            }, ct);
            released += done;
            if (seen < BatchSize) break;
        }
        if (released > 0) logger.LogInformation("Released {Count} lapsed seat holds", released);
        return released;
    }
}
