using System.Collections.Concurrent;
using System.Threading.Channels;
using Dapper;
using EventPortal.Web.Data;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Outbox;

/// <summary>
/// The outbox loop. One loop claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so several
/// instances never claim the same row; the single writer on SQLite) and feeds MaxParallel sender
/// slots, each handing its next row to the handler of its kind (at the handler's own rate, if it
/// has one); nothing waits for a whole batch. Each result is recorded on its row as soon as it is
/// known: sent; retry later with exponential back-off and jitter; or failed, with the error kept. A row left in flight by an
/// instance that died is claimed again after <see cref="OutboxOptions.InFlightTimeoutSeconds"/>.
/// Sent rows are purged after the retention period. A row is never dropped because handling it
/// failed. It sleeps until a commit that queued work wakes it (<see cref="OutboxSignal"/>) or
/// <see cref="OutboxOptions.PollSeconds"/> pass (rows due later, rows of other instances).
/// </summary>
public sealed class OutboxDispatcher(Db db, IEnumerable<IOutboxHandler> handlers, OutboxSignal signal, IOptions<OutboxOptions> options,
    TimeProvider clock, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    readonly string _instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    readonly IReadOnlyList<IOutboxHandler> _handlers = OneHandlerPerKind(handlers);
    readonly SemaphoreSlim _room = new(0, 1);
    DateTime _nextPurge;
    /// <summary>Rows claimed and not yet finished.</summary>
    int _pending;
    /// <summary>
    /// The ids of those rows. A row of ours that outlasts the in-flight timeout (a slow relay, a
    /// throttle wait) looks abandoned to our own claim too; claiming it again must not queue it a
    /// second time, or two of our slots send it at once, both passing the still-ours check.
    /// </summary>
    readonly ConcurrentDictionary<long, byte> _held = new();
    /// <summary>
    /// Rows our senders finished, each with the count of finishes at that moment (<see cref="_finishes"/>).
    /// A claim can read a row of ours while it is being sent and look at <see cref="_held"/> only after
    /// the send finished and let go of it: such a row is not taken, since it finished after the claim began.
    /// </summary>
    readonly ConcurrentDictionary<long, long> _finished = new();
    long _finishes;

    /// <summary>A row of a kind two handlers claim would go to whichever came first: refuse to start instead.</summary>
    static IReadOnlyList<IOutboxHandler> OneHandlerPerKind(IEnumerable<IOutboxHandler> handlers)
    {
        var list = handlers.ToList();
        foreach (var a in list)
            foreach (var b in list.Where(b => b != a && b.KindPrefix.StartsWith(a.KindPrefix, StringComparison.Ordinal)))
                throw new InvalidOperationException($"Outbox handlers {a.GetType().Name} ('{a.KindPrefix}') and "
                    + $"{b.GetType().Name} ('{b.KindPrefix}') both claim the kinds starting with '{b.KindPrefix}'.");
        return list;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.DispatcherEnabled)
        {
            logger.LogInformation("Outbox dispatcher is off on this instance ({Section}:DispatcherEnabled=false)", OutboxOptions.Section);
            return;
        }
        var queue = Channel.CreateUnbounded<OutboxRow>(new UnboundedChannelOptions { SingleWriter = true });
        var unstarted = new ConcurrentBag<long>();
        var senders = Enumerable.Range(0, o.MaxParallel).Select(_ => SendLoopAsync(queue.Reader, unstarted, stoppingToken)).ToList();
        try
        {
            await ClaimLoopAsync(queue.Writer, stoppingToken);
        }
        finally
        {
            queue.Writer.TryComplete();
            await Task.WhenAll(senders);
            // A graceful stop: hand back what this instance claimed but never began, so another
            // instance (or the next start) sends it at once, not after the in-flight timeout.
            while (queue.Reader.TryRead(out var row)) unstarted.Add(row.Id);
            await ReleaseAsync(unstarted.ToList());
        }
    }

    /// <summary>
    /// Keeps the senders fed without a barrier: a new batch is claimed as soon as no more than
    /// MaxParallel claimed rows are left, so the senders never wait for the slowest row of a batch.
    /// </summary>
    async Task ClaimLoopAsync(ChannelWriter<OutboxRow> queue, CancellationToken ct)
    {
        var o = options.Value;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (Volatile.Read(ref _pending) > o.MaxParallel)
                {
                    await _room.WaitAsync(ct);
                    continue;
                }
                var since = Interlocked.Read(ref _finishes);
                var rows = await ClaimAsync(ct);
                var fresh = new List<OutboxRow>(rows.Count);
                var finished = new List<long>();
                foreach (var row in rows)
                    if (Take(row.Id, since, out var finishedSince)) fresh.Add(row);
                    else if (finishedSince) finished.Add(row.Id);
                foreach (var done in _finished.Where(f => f.Value <= since)) _finished.TryRemove(done);
                // Usually nothing: the send's result is recorded already. But a row that finished as a retry and fell
                // due, or that an organiser queued again, in between, was claimed for real: it goes back to the queue.
                if (finished.Count > 0) await ReleaseAsync(finished);
                Interlocked.Add(ref _pending, fresh.Count);
                foreach (var row in fresh) queue.TryWrite(row);
                if (rows.Count == o.BatchSize) continue; // there may be more
                await PurgeIfDueAsync(ct);
                await signal.WaitAsync(TimeSpan.FromSeconds(o.PollSeconds), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database may be briefly unreachable; nothing is lost, rows stay where they were.
                logger.LogError(e, "Outbox claim failed; trying again shortly");
                try { await Task.Delay(TimeSpan.FromSeconds(o.PollSeconds * 5), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>
    /// Whether a claimed row goes to the senders: not if one of them holds it, nor if one finished it
    /// after the claim began (<paramref name="since"/>; then <paramref name="finishedSince"/>). Marked held
    /// first, so a sender's finish is seen either as held or as finished.
    /// </summary>
    bool Take(long id, long since, out bool finishedSince)
    {
        finishedSince = false;
        if (!_held.TryAdd(id, 0)) return false;
        if (!_finished.TryGetValue(id, out var at) || at <= since) return true;
        _held.TryRemove(id, out _);
        finishedSince = true;
        return false;
    }

    /// <summary>One of MaxParallel slots: takes the next claimed row, waits for its handler's rate, works it.</summary>
    async Task SendLoopAsync(ChannelReader<OutboxRow> queue, ConcurrentBag<long> unstarted, CancellationToken ct)
    {
        try
        {
            await foreach (var row in queue.ReadAllAsync(ct))
            {
                var handler = _handlers.FirstOrDefault(h => row.Kind.StartsWith(h.KindPrefix, StringComparison.Ordinal));
                try
                {
                    if (handler?.Throttle is { } throttle) using (await throttle.AcquireAsync(1, ct)) { }
                    ct.ThrowIfCancellationRequested(); // the channel hands out rows it holds even after the stop
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    unstarted.Add(row.Id);
                    return;
                }
                try { await ProcessAsync(row, handler, ct); }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // The database failed around the send: the row stays in flight and is claimed again after the timeout.
                    logger.LogError(e, "Outbox row {Id} ({Kind}) could not be worked", row.Id, row.Kind);
                }
                _finished[row.Id] = Interlocked.Increment(ref _finishes);
                _held.TryRemove(row.Id, out _); // from now on a row left in flight may be claimed again
                if (Interlocked.Decrement(ref _pending) <= options.Value.MaxParallel)
                    try { _room.Release(); } catch (SemaphoreFullException) { }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    // {0}: the row lock clause, PostgreSQL only.
    const string ClaimSql = $$"""
        UPDATE outbox SET status = '{{OutboxStatus.InFlight}}', claimed_at = @now, claimed_by = @instance, attempts = attempts + 1
        WHERE id IN (
            SELECT id FROM outbox
            WHERE (status IN ({{OutboxStatus.Waiting}}) AND due_at <= @now)
               OR (status = '{{OutboxStatus.InFlight}}' AND claimed_at < @stale)
            ORDER BY due_at, id
            LIMIT @batch {0})
        RETURNING id, kind, dedupe_key, event_id, registration_id, payload, attempts
        """;

    async Task<IReadOnlyList<OutboxRow>> ClaimAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, ClaimSql, db.IsSqlite ? "" : "FOR UPDATE SKIP LOCKED");
        var args = new { now, instance = _instance, stale = now.AddSeconds(-options.Value.InFlightTimeoutSeconds),
            batch = options.Value.BatchSize };
        var rows = (await db.WriteAsync((c, tx) =>
            c.QueryAsync<OutboxRow>(new CommandDefinition(sql, args, tx, cancellationToken: ct)), ct)).AsList();
        var claimed = Environment.TickCount64;
        foreach (var row in rows) row.ClaimedTicks = claimed;
        return rows;
    }

    async Task ProcessAsync(OutboxRow row, IOutboxHandler? handler, CancellationToken ct)
    {
        // A row may wait its turn in a claimed batch for longer than the in-flight timeout (a slow
        // relay, a rate limit), and then another instance has taken it over and sends it. Only
        // send what is still ours, and restart the timeout now, so nobody takes it over mid-send.
        // A row claimed moments ago cannot have been taken over (that needs the whole timeout), so
        // in a rush, when rows go out right after their claim, the check costs no write per row.
        if (Environment.TickCount64 - row.ClaimedTicks > FreshClaimMs && !await StillOursAsync(row, ct)) return;
        try
        {
            if (handler is null) throw new OutboxException($"No handler for outbox kind '{row.Kind}'.", permanent: true);
            var result = await handler.HandleAsync(row, ct);
            // Recorded at once, row by row: a crash now can at worst repeat this one message.
            var status = result == OutboxResult.Done ? OutboxStatus.Sent : OutboxStatus.Skipped;
            await RecordAsync(row, status, null, null, CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down mid-send: the row stays in flight and is claimed again after the timeout.
        }
        catch (Exception e)
        {
            var permanent = e is OutboxException { Permanent: true };
            var giveUp = permanent || row.Attempts >= options.Value.MaxAttempts;
            var delay = Backoff(row.Attempts);
            if (e is OutboxException { RetryAfter: { } retryAfter } && retryAfter > delay) delay = retryAfter;
            var due = giveUp ? (DateTime?)null : clock.GetUtcNow().UtcDateTime + delay;
            logger.LogWarning("Outbox row {Id} ({Kind}) attempt {Attempt} failed{Final}: {Error}",
                row.Id, row.Kind, row.Attempts, giveUp ? ", giving up" : "", e.Message);
            await RecordAsync(row, giveUp ? OutboxStatus.Failed : OutboxStatus.Retry, due, Truncate(e.Message), CancellationToken.None);
        }
    }

    /// <summary>
    /// A claim younger than a quarter of the in-flight timeout is surely still ours; what remains of
    /// the timeout (three quarters, four minutes by default) is the time the send may take.
    /// </summary>
    long FreshClaimMs => (long)(options.Value.InFlightTimeoutSeconds * 1000 / 4);

    const string Renew = $"""
        UPDATE outbox SET claimed_at = @now WHERE id = @Id AND status = '{OutboxStatus.InFlight}' AND claimed_by = @instance
        """;

    async Task<bool> StillOursAsync(OutboxRow row, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            Renew, new { row.Id, now = clock.GetUtcNow().UtcDateTime, instance = _instance }, tx, cancellationToken: ct)), ct) == 1;

    const string Release = $"""
        UPDATE outbox SET status = '{OutboxStatus.Queued}', claimed_at = NULL, attempts = attempts - 1
        WHERE id = @id AND status = '{OutboxStatus.InFlight}' AND claimed_by = @instance
        """;

    Task ReleaseAsync(IReadOnlyList<long> ids) => ids.Count == 0 ? Task.CompletedTask :
        db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            Release, ids.Select(id => new { id, instance = _instance }), tx)), CancellationToken.None);

    /// <summary>Exponential: base, 2×base, 4×base… capped at an hour, ±20 % jitter so retries spread out.</summary>
    TimeSpan Backoff(int attempts)
    {
        var seconds = Math.Min(3600, options.Value.RetryBaseSeconds * Math.Pow(2, Math.Max(0, attempts - 1)));
        return TimeSpan.FromSeconds(seconds * (0.8 + Random.Shared.NextDouble() * 0.4));
    }

    const string Record = $"""
        UPDATE outbox SET status = @status, last_error = @error, claimed_at = NULL,
            sent_at = CASE WHEN @status IN ('{OutboxStatus.Sent}', '{OutboxStatus.Skipped}') THEN @now ELSE sent_at END,
            due_at = COALESCE(@dueAt, due_at)
        WHERE id = @Id AND claimed_by = @instance
        """;

    Task RecordAsync(OutboxRow row, string status, DateTime? dueAt, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            Record, new { row.Id, status, error, now, dueAt, instance = _instance }, tx, cancellationToken: ct)), ct);
    }

    const string Purge = $"DELETE FROM outbox WHERE status IN ('{OutboxStatus.Sent}', '{OutboxStatus.Skipped}') AND sent_at < @before";

    async Task PurgeIfDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now < _nextPurge) return;
        _nextPurge = now.AddHours(1);
        var purged = await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(Purge,
            new { before = now.AddDays(-options.Value.RetentionDays) }, tx, cancellationToken: ct)), ct);
        if (purged > 0) logger.LogInformation("Purged {Count} sent outbox rows", purged);
    }

    static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000];
}
