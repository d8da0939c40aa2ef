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

    /// <summary>Batches: reminders by due time, recordings, messages by id (the middle part of their dedupe key).</summary>
    public static async Task<IReadOnlyList<Row>> LoadAsync(DbConnection c, long eventId, CancellationToken ct)
    {
        var rows = await c.QueryAsync<(string Kind, string DedupeKey, string Status, DateTime DueAt)>(new CommandDefinition("""
            SELECT kind, dedupe_key, status, due_at FROM outbox
            WHERE event_id = @eventId AND kind IN (@reminder, @recording, @message)
            """, new { eventId, reminder = OutboxRows.Kinds.Reminder, recording = OutboxRows.Kinds.RecordingAvailable,
                message = OutboxRows.Kinds.OrganiserMessage },
            cancellationToken: ct));
        return rows
            .GroupBy(r => r.Kind == OutboxRows.Kinds.Reminder ? $"reminder@{r.DueAt:yyyy-MM-ddTHH:mm}"
                : r.Kind == OutboxRows.Kinds.OrganiserMessage ? "message:" + r.DedupeKey.Split(':')[1] : "recording")
            .Select(g => new Row
            {
                Batch = g.Key,
                FirstDue = DateTime.SpecifyKind(g.Min(r => r.DueAt), DateTimeKind.Utc),
                Queued = g.Count(r => r.Status is OutboxStatus.Queued or OutboxStatus.InFlight or OutboxStatus.Retry),
                Sent = g.Count(r => r.Status == OutboxStatus.Sent),
                Failed = g.Count(r => r.Status == OutboxStatus.Failed),
                Skipped = g.Count(r => r.Status == OutboxStatus.Skipped),
            })
            .OrderBy(r => r.FirstDue)
            .ToList();
    }
}
