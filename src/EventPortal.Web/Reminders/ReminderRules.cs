using System.Data.Common;
using Dapper;
using EventPortal.Web.Events;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Reminders;

public sealed record ReminderRule(int OffsetMinutes, string Audience)
{
    public static readonly string[] Audiences = ["live", "recording", "all"];
}

/// <summary>
/// Reminders are outbox rows with a due time, one per rule and registration, keyed
/// <c>reminder:{rule}:{registration}</c> so restarts and extra instances never send one twice.
/// They are written when someone registers (only rules still ahead of them: "tomorrow" is not
/// sent an hour before), when a ticket is switched, and again for everyone when the rules or
/// the event's time change — then every reminder not yet sent is dropped and re-planned,
/// while the dedupe keys of those already sent keep them from going out again.
/// </summary>
public static class ReminderRules
{
    /// <summary>
    /// What suits the model briefing: the day before at 10:00 in the event's zone, to everyone;
    /// and one hour before, with the personal join link, to live tickets.
    /// </summary>
    public static IReadOnlyList<ReminderRule> Defaults(DateTime startsAtUtc, string timeZone)
    {
        var local = EventTime.Local(startsAtUtc, timeZone);
        var dayBeforeAtTen = TimeZoneInfo.ConvertTimeToUtc(
            DateTime.SpecifyKind(local.Date.AddDays(-1).AddHours(10), DateTimeKind.Unspecified), EventTime.Zone(timeZone));
        return [new((int)(dayBeforeAtTen - startsAtUtc).TotalMinutes, "all"), new(-60, "live")];
    }

    sealed class Rule
    {
        public long Id { get; init; }
        public int OffsetMinutes { get; init; }
        public string Audience { get; init; } = "";
    }

    public static async Task<IReadOnlyList<ReminderRule>> LoadAsync(DbConnection c, DbTransaction? tx, long eventId,
        CancellationToken ct) =>
        (await c.QueryAsync<Rule>(new CommandDefinition(
            "SELECT id, offset_minutes, audience FROM reminder_rules WHERE event_id = @eventId ORDER BY offset_minutes, audience",
            new { eventId }, tx, cancellationToken: ct))).Select(r => new ReminderRule(r.OffsetMinutes, r.Audience)).ToList();

    /// <summary>Replaces an event's rules (kept rules keep their id) and re-plans every reminder not yet sent.</summary>
    public static async Task ReplaceAsync(DbConnection c, DbTransaction tx, long eventId, IReadOnlyList<ReminderRule> rules, DateTime now,
        CancellationToken ct)
    {
        var existing = (await c.QueryAsync<Rule>(new CommandDefinition(
            "SELECT id, offset_minutes, audience FROM reminder_rules WHERE event_id = @eventId",
            new { eventId }, tx, cancellationToken: ct))).AsList();
        foreach (var gone in existing.Where(e => !rules.Contains(new ReminderRule(e.OffsetMinutes, e.Audience))))
            await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM reminder_rules WHERE id = @Id", new { gone.Id }, tx, cancellationToken: ct));
        foreach (var rule in rules.Distinct()
            .Where(r => !existing.Any(e => e.OffsetMinutes == r.OffsetMinutes && e.Audience == r.Audience)))
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO reminder_rules (event_id, offset_minutes, audience) VALUES (@eventId, @OffsetMinutes, @Audience)",
                new { eventId, rule.OffsetMinutes, rule.Audience }, tx, cancellationToken: ct));
        await ReplanAsync(c, tx, eventId, now, ct);
    }

    /// <summary>Drops every reminder of the event not yet sent and plans them again from the rules and the start time.</summary>
    public static async Task ReplanAsync(DbConnection c, DbTransaction tx, long eventId, DateTime now, CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM outbox WHERE event_id = @eventId AND kind = @kind AND status IN ({OutboxStatus.Waiting})",
            new { eventId, kind = OutboxRows.Kinds.Reminder }, tx, cancellationToken: ct));
        await PlanAsync(c, tx, eventId, registrationId: null, now, ct);
    }

    /// <summary>The reminders still ahead for one new registration: no join, the caller knows the ticket.</summary>
    public static async Task PlanForRegistrationAsync(DbConnection c, DbTransaction tx, EventRecord e, long registrationId,
        string ticketKind, DateTime now, CancellationToken ct)
    {
        var rules = await c.QueryAsync<Rule>(new CommandDefinition(
            "SELECT id, offset_minutes, audience FROM reminder_rules WHERE event_id = @Id", new { e.Id }, tx, cancellationToken: ct));
        foreach (var rule in rules.Where(r => r.Audience == "all" || r.Audience == ticketKind))
        {
            var due = DateTime.SpecifyKind(e.StartsAt, DateTimeKind.Utc).AddMinutes(rule.OffsetMinutes);
            if (due > now)
                await OutboxRows.EnqueueAsync(c, tx, OutboxRows.Kinds.Reminder, $"reminder:{rule.Id}:{registrationId}",
                    e.Id, registrationId, now, ct, payload: $"{{\"audience\":\"{rule.Audience}\"}}", dueAt: due);
        }
    }

    /// <summary>A cancelled registration is owed no more reminders.</summary>
    public static Task DropForRegistrationAsync(DbConnection c, DbTransaction tx, long registrationId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM outbox WHERE registration_id = @registrationId AND kind = @kind AND status IN ({OutboxStatus.Waiting})",
            new { registrationId, kind = OutboxRows.Kinds.Reminder }, tx, cancellationToken: ct));

    /// <summary>
    /// Writes the reminder rows still ahead for one registration, or for every active one of the
    /// event (<paramref name="registrationId"/> null): one INSERT … SELECT per rule.
    /// </summary>
    public static async Task PlanAsync(DbConnection c, DbTransaction tx, long eventId, long? registrationId, DateTime now,
        CancellationToken ct)
    {
        var startsAt = await c.ExecuteScalarAsync<DateTime>(new CommandDefinition(
            "SELECT starts_at FROM events WHERE id = @eventId", new { eventId }, tx, cancellationToken: ct));
        var rules = await c.QueryAsync<Rule>(new CommandDefinition(
            "SELECT id, offset_minutes, audience FROM reminder_rules WHERE event_id = @eventId",
            new { eventId }, tx, cancellationToken: ct));
        foreach (var rule in rules)
        {
            var due = DateTime.SpecifyKind(startsAt, DateTimeKind.Utc).AddMinutes(rule.OffsetMinutes);
            if (due <= now) continue;
            await c.ExecuteAsync(new CommandDefinition($"""
                INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
                SELECT @kind, @prefix || CAST(r.id AS TEXT), r.event_id, r.id, @payload, '{OutboxStatus.Queued}', @due, @now
                FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
                WHERE r.event_id = @eventId AND r.status <> '{RegistrationStatus.Cancelled}' AND (@audience = 'all' OR t.kind = @audience)
                {(registrationId is null ? "" : "AND r.id = @registrationId")}
                ON CONFLICT (dedupe_key) DO NOTHING
                """, new
            {
                kind = OutboxRows.Kinds.Reminder, prefix = $"reminder:{rule.Id}:", payload = $"{{\"audience\":\"{rule.Audience}\"}}",
                due, now, eventId, audience = rule.Audience, registrationId,
            }, tx, cancellationToken: ct));
        }
    }
}
