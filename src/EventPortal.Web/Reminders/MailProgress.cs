using System.Data.Common;
using Dapper;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Reminders;

/// <summary>
/// Progress of every bulk send of an event (each reminder time, the recording mail, each
/// organiser message): how many rows are queued, sent, failed. The console shows it as a
/// table, and <c>wwwroot/js/progress.js</c> refreshes the numbers in place where scripts run.
/// </summary>
public static class MailProgress
{
    public sealed class Row
    {
        public string Batch { get; init; } = "";
        public DateTime FirstDue { get; init; }
        public int Queued { get; init; }
        public int Sent { get; init; }
        public int Failed { get; init; }
        public int Skipped { get; init; }
    }

    internal const string Batches = $"""
        SELECT kind, dedupe_key, status, due_at FROM outbox
        WHERE event_id = @eventId
          AND kind IN ('{OutboxRows.Kinds.Reminder}', '{OutboxRows.Kinds.RecordingAvailable}', '{OutboxRows.Kinds.OrganiserMessage}')
          AND {OutboxRows.NotFirstMail}
        """;

    internal const string Plans = $"""
        SELECT dedupe_key, due_at FROM outbox
        WHERE event_id = @eventId AND kind = '{ReminderFanOut.Kind}' AND status IN ({OutboxStatus.Waiting}) AND {OutboxRows.NotFirstMail}
        """;

    /// <summary>
    /// Batches: reminders by due time, recordings, messages by id (the middle part of their dedupe key). A rule not yet due
    /// has no rows (<see cref="ReminderFanOut"/>): its batch counts as queued whom its plan row will write rows for.
    /// </summary>
    public static async Task<IReadOnlyList<Row>> LoadAsync(DbConnection c, long eventId, CancellationToken ct)
    {
        var rows = (await c.QueryAsync<(string Kind, string DedupeKey, string Status, DateTime DueAt)>(new CommandDefinition(
            Batches, new { eventId }, cancellationToken: ct))).Select(r => (r.Kind, r.DedupeKey, r.Status, r.DueAt, Count: 1)).ToList();
        rows.AddRange(await PlannedAsync(c, eventId, ct));
        return rows
            .GroupBy(r => r.Kind == OutboxRows.Kinds.Reminder ? $"reminder@{r.DueAt:yyyy-MM-ddTHH:mm}"
                : r.Kind == OutboxRows.Kinds.OrganiserMessage ? "message:" + r.DedupeKey.Split(':')[1] : "recording")
            .Select(g => new Row
            {
                Batch = g.Key,
                FirstDue = DateTime.SpecifyKind(g.Min(r => r.DueAt), DateTimeKind.Utc),
                Queued = g.Where(r => r.Status is OutboxStatus.Queued or OutboxStatus.InFlight or OutboxStatus.Retry).Sum(r => r.Count),
                Sent = g.Count(r => r.Status == OutboxStatus.Sent),
                Failed = g.Count(r => r.Status == OutboxStatus.Failed),
                Skipped = g.Count(r => r.Status == OutboxStatus.Skipped),
            })
            .OrderBy(r => r.FirstDue)
            .ToList();
    }

    /// <summary>The rules not yet due: as queued reminders, one entry per rule with the number of registrations it will write.</summary>
    static async Task<IEnumerable<(string Kind, string DedupeKey, string Status, DateTime DueAt, int Count)>> PlannedAsync(
        DbConnection c, long eventId, CancellationToken ct)
    {
        var planned = await c.QueryAsync<(string DedupeKey, DateTime DueAt)>(new CommandDefinition(
            Plans, new { eventId }, cancellationToken: ct));
        var rules = (await ReminderRules.LoadAsync(c, null, eventId, ct)).ToDictionary(r => r.Id!.Value);
        var entries = new List<(string, string, string, DateTime, int)>();
        foreach (var (key, due) in planned)
        {
            if (!long.TryParse(key.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture, out var id)
                || !rules.TryGetValue(id, out var rule)) continue;
            // Those the plan row will write: the rule's audience, less anyone who has the rule's row already.
            var count = await c.ExecuteScalarAsync<int>(new CommandDefinition($"""
                SELECT COUNT(*) FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
                WHERE {ReminderRules.Audience}
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = @prefix || CAST(r.id AS TEXT))
                """, new { eventId, audience = rule.Audience, prefix = $"reminder:{id}:" }, cancellationToken: ct));
            if (count > 0) entries.Add((OutboxRows.Kinds.Reminder, key, OutboxStatus.Queued, due, count));
        }
        return entries;
    }
}
