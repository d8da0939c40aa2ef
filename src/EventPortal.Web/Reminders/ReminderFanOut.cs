using System.Data.Common;
using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Reminders;

/// <summary>
/// A mail rule's rows are written when it is due, for everyone registered then, instead of one row per rule by every
/// registration (a registration of a rush writes its row, its seat and its confirmation; bench/README.md). Each rule
/// still ahead has one plan row in the outbox, kind <see cref="Kind"/>, keyed <c>plan:{rule}:{plan version}</c> and due
/// when the rule is; the dispatcher hands it to this handler, which writes the rule's rows in one INSERT … SELECT
/// (<see cref="ReminderRules.WriteRowsAsync"/>), due at the rule's time, and they go out like any mail. Rows already
/// written (a late rule's, a repeat of the plan row after a crash) keep theirs by their dedupe keys.
/// </summary>
public sealed class ReminderFanOut(Db db, TimeProvider clock) : IOutboxHandler
{
    public const string Kind = "plan.reminder";
    public string KindPrefix => "plan.";

    const string InsertPlan = $"""
        INSERT INTO outbox (kind, dedupe_key, event_id, payload, status, due_at, created_at)
        VALUES (@Kind, @Key, @EventId, @Payload, '{OutboxStatus.Queued}', @Due, @Now)
        ON CONFLICT (dedupe_key) DO NOTHING
        """;

    /// <summary>One plan row for each of the event's rules still ahead, under the event's plan version as it is now.</summary>
    public static async Task PlanAsync(DbConnection c, DbTransaction tx, long eventId, DateTime now, CancellationToken ct)
    {
        var plan = await ReminderRules.LoadPlanAsync(c, tx, eventId, ct);
        var rows = (from rule in plan.Rules
                    let due = rule.DueAt(plan.StartsAt, plan.EndsAt)
                    where due > now
                    select new
                    {
                        Kind, Key = $"plan:{rule.Id}:{plan.Version.ToString(CultureInfo.InvariantCulture)}", EventId = eventId,
                        Payload = $"{{\"rule\":{rule.Id}}}", Due = due, Now = now,
                    }).ToList();
        if (rows.Count > 0) await c.ExecuteAsync(new CommandDefinition(InsertPlan, rows, tx, cancellationToken: ct));
    }

    internal const string DropPlans = $"""
        DELETE FROM outbox
        WHERE event_id = @eventId AND kind = '{Kind}' AND status IN ({OutboxStatus.Waiting}) AND {OutboxRows.NotFirstMail}
        """;

    /// <summary>A cancelled event's rules still ahead are written for nobody.</summary>
    public static Task DropAsync(DbConnection c, DbTransaction tx, long eventId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(DropPlans, new { eventId }, tx, cancellationToken: ct));

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (row.EventId is not { } eventId || RuleOf(row.DedupeKey) is not { } ruleId) return OutboxResult.Skipped;
        return await db.WriteAsync((c, tx) => FanOutAsync(c, tx, eventId, ruleId, now, ct), ct)
            ? OutboxResult.Done
            : OutboxResult.Skipped;
    }

    static long? RuleOf(string dedupeKey) =>
        dedupeKey.Split(':') is [_, var id, _] && long.TryParse(id, CultureInfo.InvariantCulture, out var ruleId) ? ruleId : null;

    /// <summary>
    /// Writes the rule's rows for every registration of its audience now, due at the rule's time as the event and the rule
    /// are now. False when there is nothing to do: the rule is gone, or it moved later (its new plan row will do it).
    /// </summary>
    public static async Task<bool> FanOutAsync(DbConnection c, DbTransaction tx, long eventId, long ruleId, DateTime now,
        CancellationToken ct)
    {
        var plan = await ReminderRules.LoadPlanAsync(c, tx, eventId, ct);
        if (plan.Rules.FirstOrDefault(r => r.Id == ruleId) is not { } rule) return false;
        var due = rule.DueAt(plan.StartsAt, plan.EndsAt);
        if (due > now) return false;
        if (await ReminderRules.WriteRowsAsync(c, tx, eventId, rule, due, now, registrationId: null, ct) > 0)
            CommitNotices.Request(tx);   // they are due: wake the dispatcher
        return true;
    }

    /// <summary>
    /// At start-up: a plan row for every rule still ahead that has none under its event's plan version (events planned
    /// before plan rows existed, when their registrations wrote their own rows). Idempotent, and safe on several
    /// instances at once.
    /// </summary>
    public static Task EnsurePlannedAsync(Db db, DateTime now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var events = await c.QueryAsync<long>(new CommandDefinition($"""
                SELECT e.id FROM events e
                WHERE e.status <> '{EventStatus.Cancelled}' AND EXISTS (SELECT 1 FROM reminder_rules r WHERE r.event_id = e.id)
                """, transaction: tx, cancellationToken: ct));
            foreach (var eventId in events) await PlanAsync(c, tx, eventId, now, ct);
            return 0;
        }, ct);
}
