using System.Data.Common;
using Dapper;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Reminders;

/// <summary>
/// One mail rule: due <see cref="OffsetMinutes"/> from the start or the end (<see cref="Anchor"/>), for a
/// ticket kind (<see cref="Audience"/>), a category and an attendance; with the organiser's own subject
/// and body per language (<see cref="Written"/>), or the built-in reminder text. <see cref="Late"/>: also
/// sent, at once, to registrations made after it was due. <see cref="Id"/> is the stored rule's (null for a new one).
/// </summary>
public sealed record ReminderRule
{
    /// <summary>For Dapper, which fills the properties from the columns.</summary>
    public ReminderRule() { }

    public ReminderRule(int offsetMinutes, string audience) => (OffsetMinutes, Audience) = (offsetMinutes, audience);

    public int OffsetMinutes { get; init; }
    public string Audience { get; init; } = "all";
    /// <summary>Ticket kinds; a rule may also name one ticket as <c>t:{code}</c>.</summary>
    public static readonly string[] Audiences = ["live", "recording", "all"];
    public const string TicketPrefix = "t:";
    /// <summary>Confirmed registrations, or those on the waitlist (only with the organiser's own text).</summary>
    public static readonly string[] Statuses = [RegistrationStatus.Confirmed, RegistrationStatus.Waitlisted];
    public static readonly string[] Anchors = ["start", "end"];
    /// <summary>By attendance: anyone, marked attended, marked absent, not marked, or not attended (absent or not marked).</summary>
    public static readonly string[] Attendances = ["any", "attended", "absent", "unknown", "not_attended"];

    public long? Id { get; init; }
    public string Anchor { get; init; } = "start";
    public string Status { get; init; } = RegistrationStatus.Confirmed;
    public string? Category { get; init; }
    public string Attendance { get; init; } = "any";
    public bool Late { get; init; }
    public string SubjectJa { get; init; } = "";
    public string BodyJa { get; init; } = "";
    public string SubjectEn { get; init; } = "";
    public string BodyEn { get; init; } = "";

    /// <summary>The organiser wrote this rule's text (else the built-in reminder is sent).</summary>
    public bool Written => SubjectJa.Length + BodyJa.Length + SubjectEn.Length + BodyEn.Length > 0;

    public DateTime DueAt(DateTime startsAt, DateTime endsAt) =>
        DateTime.SpecifyKind(Anchor == "end" ? endsAt : startsAt, DateTimeKind.Utc).AddMinutes(OffsetMinutes);

    /// <summary>The same rule, whatever its id.</summary>
    public bool SameAs(ReminderRule other) => this with { Id = null } == other with { Id = null };
}

/// <summary>
/// What a new registration's reminders are planned from: the timing of the event's rules and the event's times, and
/// <see cref="Version"/> (<c>events.plan_version</c>), which <see cref="ReminderRules.ReplanAsync"/> raises whenever
/// either changes.
/// </summary>
public sealed record ReminderPlan(int Version, DateTime StartsAt, DateTime EndsAt, IReadOnlyList<ReminderRule> Rules);

/// <summary>
/// Mail rules are outbox rows with a due time, one per rule and registration, keyed
/// <c>reminder:{rule}:{registration}</c> so restarts and extra instances never send one twice.
/// They are written when someone registers (only rules still ahead of them: "tomorrow" is not
/// sent an hour before, unless the rule is <see cref="ReminderRule.Late"/>), when a ticket is switched,
/// and again for everyone when the rules or the event's times change — then every reminder not yet
/// sent is dropped and re-planned, while the dedupe keys of those already sent keep them from going
/// out again. A rule keeps its id when edited, so its keys stay. Who a rule is for beyond the ticket
/// kind (category, attendance) is decided when it is sent (Mail/MailComposer.cs): attendance is
/// only known after the event.
/// </summary>
public static class ReminderRules
{
    /// <summary>
    /// What suits the model briefing: the day before at 10:00 in the event's zone, to everyone;
    /// one hour before, with the personal join link, to live tickets; and two hours after the end, a
    /// thank-you to those who attended (in the event's and the registrant's language).
    /// </summary>
    public static IReadOnlyList<ReminderRule> Defaults(DateTime startsAtUtc, string timeZone)
    {
        var local = EventTime.Local(startsAtUtc, timeZone);
        var dayBeforeAtTen = TimeZoneInfo.ConvertTimeToUtc(
            DateTime.SpecifyKind(local.Date.AddDays(-1).AddHours(10), DateTimeKind.Unspecified), EventTime.Zone(timeZone));
        return
        [
            new((int)(dayBeforeAtTen - startsAtUtc).TotalMinutes, "all"),
            new(-60, "live"),
            new(120, "live")
            {
                Anchor = "end", Attendance = "attended",
                SubjectJa = Text.Get("mailRule.thanks.subject", "ja"), BodyJa = Text.Get("mailRule.thanks.body", "ja"),
                SubjectEn = Text.Get("mailRule.thanks.subject", "en"), BodyEn = Text.Get("mailRule.thanks.body", "en"),
            },
        ];
    }

    const string Columns = """
        id, offset_minutes, audience, anchor, status, category_code AS category, attendance, late, subject_ja, body_ja, subject_en, body_en
        """;

    public static async Task<IReadOnlyList<ReminderRule>> LoadAsync(DbConnection c, DbTransaction? tx, long eventId,
        CancellationToken ct) =>
        (await c.QueryAsync<ReminderRule>(new CommandDefinition(
            $"SELECT {Columns} FROM reminder_rules WHERE event_id = @eventId ORDER BY anchor DESC, offset_minutes, audience, id",
            new { eventId }, tx, cancellationToken: ct))).AsList();

    /// <summary>
    /// What planning needs of the event's rules: their timing and ticket, not their texts (up to 20 kB a rule),
    /// because every registration plans its reminders in its own transaction.
    /// </summary>
    static async Task<IReadOnlyList<ReminderRule>> LoadTimingAsync(DbConnection c, DbTransaction tx, long eventId, CancellationToken ct) =>
        (await c.QueryAsync<ReminderRule>(new CommandDefinition(
            $"SELECT {TimingColumns} FROM reminder_rules WHERE event_id = @eventId",
            new { eventId }, tx, cancellationToken: ct))).AsList();

    /// <summary>The columns of a rule that planning reads.</summary>
    public const string TimingColumns = "id, offset_minutes, audience, anchor, late";

    /// <summary>The event's plan as it is now, inside <paramref name="tx"/>.</summary>
    public static async Task<ReminderPlan> LoadPlanAsync(DbConnection c, DbTransaction tx, long eventId, CancellationToken ct)
    {
        var (version, startsAt, endsAt) = await c.QuerySingleAsync<(int, DateTime, DateTime)>(new CommandDefinition(
            "SELECT plan_version, starts_at, ends_at FROM events WHERE id = @eventId", new { eventId }, tx, cancellationToken: ct));
        return new(version, startsAt, endsAt, await LoadTimingAsync(c, tx, eventId, ct));
    }

    /// <summary>One rule of the event, or null.</summary>
    public static async Task<ReminderRule?> FindAsync(DbConnection c, DbTransaction? tx, long eventId, long id, CancellationToken ct) =>
        await c.QuerySingleOrDefaultAsync<ReminderRule>(new CommandDefinition(
            $"SELECT {Columns} FROM reminder_rules WHERE event_id = @eventId AND id = @id",
            new { eventId, id }, tx, cancellationToken: ct));

    const string Insert = """
        INSERT INTO reminder_rules (event_id, offset_minutes, audience, anchor, status, category_code, attendance, late,
            subject_ja, body_ja, subject_en, body_en)
        VALUES (@EventId, @OffsetMinutes, @Audience, @Anchor, @Status, @Category, @Attendance, @Late, @SubjectJa, @BodyJa, @SubjectEn,
            @BodyEn)
        """;

    const string Update = """
        UPDATE reminder_rules SET offset_minutes = @OffsetMinutes, audience = @Audience, anchor = @Anchor, status = @Status,
            category_code = @Category,
            attendance = @Attendance, late = @Late, subject_ja = @SubjectJa, body_ja = @BodyJa, subject_en = @SubjectEn, body_en = @BodyEn
        WHERE id = @Id AND event_id = @EventId
        """;

    /// <summary>Stores new rules of a new event (no planning: nobody has registered yet).</summary>
    public static Task InsertAsync(DbConnection c, DbTransaction tx, long eventId, IEnumerable<ReminderRule> rules, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(Insert, rules.Select(r => Row(eventId, r)), tx, cancellationToken: ct));

    static object Row(long eventId, ReminderRule r) => new
    {
        EventId = eventId, r.Id, r.OffsetMinutes, r.Audience, r.Anchor, r.Status, r.Category, r.Attendance, r.Late,
        r.SubjectJa, r.BodyJa, r.SubjectEn, r.BodyEn,
    };

    /// <summary>
    /// Replaces an event's rules and re-plans every reminder not yet sent. A rule with the id of one of the
    /// event's rules updates it; one without an id keeps an equal existing rule (and its id); the rest are new.
    /// </summary>
    public static async Task ReplaceAsync(DbConnection c, DbTransaction tx, long eventId, IReadOnlyList<ReminderRule> rules, DateTime now,
        CancellationToken ct)
    {
        var existing = await LoadAsync(c, tx, eventId, ct);
        var kept = new HashSet<long>();
        // Rules that name their id first, so that a rule without one never takes an id another entry names.
        foreach (var rule in rules.Where(r => r.Id is not null && existing.Any(e => e.Id == r.Id)).Concat(
                     rules.Where(r => r.Id is null || !existing.Any(e => e.Id == r.Id))))
        {
            var match = existing.FirstOrDefault(e => !kept.Contains(e.Id!.Value) && (rule.Id is { } id ? e.Id == id : e.SameAs(rule)));
            if (match is null)
            {
                await InsertAsync(c, tx, eventId, [rule with { Id = null }], ct);
                continue;
            }
            kept.Add(match.Id!.Value);
            if (!match.SameAs(rule))
                await c.ExecuteAsync(new CommandDefinition(Update, Row(eventId, rule with { Id = match.Id }), tx, cancellationToken: ct));
        }
        foreach (var gone in existing.Where(e => !kept.Contains(e.Id!.Value)))
            await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM reminder_rules WHERE id = @Id", new { gone.Id }, tx, cancellationToken: ct));
        await ReplanAsync(c, tx, eventId, now, ct, keepDue: true);
    }

    /// <summary>
    /// Drops every reminder of the event not yet sent and plans them again from the rules and the event's times.
    /// With <paramref name="keepDue"/> (an edit of the rules, the event's times unchanged), rows already due stay:
    /// they are going out now or waiting for a retry, read their rule when sent, and would not be planned again.
    /// A row waiting for a retry is due again later than now, so only queued rows not yet due are dropped.
    /// </summary>
    public static async Task ReplanAsync(DbConnection c, DbTransaction tx, long eventId, DateTime now, CancellationToken ct,
        bool keepDue = false)
    {
        // A registration that planned from a copy of the plan before this change will not write its row (Registrar.cs).
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE events SET plan_version = plan_version + 1 WHERE id = @eventId", new { eventId }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM outbox WHERE event_id = @eventId AND kind = @kind AND status IN ({OutboxStatus.Waiting})"
            + (keepDue ? $" AND status = '{OutboxStatus.Queued}' AND due_at > @now" : ""),
            new { eventId, kind = OutboxRows.Kinds.Reminder, now }, tx, cancellationToken: ct));
        await PlanAsync(c, tx, eventId, registrationId: null, now, ct);
    }

    /// <summary>
    /// The rows of the reminders still ahead for one new registration (the caller knows the ticket), from
    /// <paramref name="plan"/>, for the caller to write with its confirmation in one statement
    /// (<see cref="OutboxRows.EnqueueAllAsync"/>).
    /// </summary>
    public static IEnumerable<OutboxRows.Row> RowsForRegistration(ReminderPlan plan, long registrationId, string ticketKind, DateTime now)
    {
        // A rule for one ticket is planned too: whether it is this registration's ticket is decided when it is sent.
        foreach (var rule in plan.Rules
                     .Where(r => r.Audience == "all" || r.Audience == ticketKind || r.Audience.StartsWith(ReminderRule.TicketPrefix)))
            if (Due(rule, plan.StartsAt, plan.EndsAt, now, forOne: true) is { } due)
                yield return new(OutboxRows.Kinds.Reminder, $"reminder:{rule.Id}:{registrationId}", Payload(rule), due);
    }

    /// <summary>When the rule's row is due: null when it is past, unless it is late and for one (new) registration: then now.</summary>
    static DateTime? Due(ReminderRule rule, DateTime startsAt, DateTime endsAt, DateTime now, bool forOne)
    {
        var due = rule.DueAt(startsAt, endsAt);
        return due > now ? due : forOne && rule.Late ? now : null;
    }

    /// <summary>The row names its rule; the ticket kind is kept for rows of before the rules had ids in their payload.</summary>
    static string Payload(ReminderRule rule) => $"{{\"audience\":\"{rule.Audience}\",\"rule\":{rule.Id}}}";

    /// <summary>A cancelled registration is owed no more reminders.</summary>
    public static Task DropForRegistrationAsync(DbConnection c, DbTransaction tx, long registrationId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM outbox WHERE registration_id = @registrationId AND kind = @kind AND status IN ({OutboxStatus.Waiting})",
            new { registrationId, kind = OutboxRows.Kinds.Reminder }, tx, cancellationToken: ct));

    /// <summary>
    /// A late rule's row for one registration that was skipped when it went out (the address not yet confirmed,
    /// the registration still waitlisted) is owed again once the registration can have it: queued anew, now.
    /// </summary>
    const string RequeueSkipped = $"""
        ON CONFLICT (dedupe_key) DO UPDATE SET status = '{OutboxStatus.Queued}', due_at = excluded.due_at, attempts = 0,
            last_error = NULL, sent_at = NULL
        WHERE outbox.status = '{OutboxStatus.Skipped}'
        """;

    /// <summary>
    /// Writes the reminder rows still ahead for one registration, or for every active one of the
    /// event (<paramref name="registrationId"/> null): one INSERT … SELECT per rule.
    /// </summary>
    public static async Task PlanAsync(DbConnection c, DbTransaction tx, long eventId, long? registrationId, DateTime now,
        CancellationToken ct)
    {
        var (startsAt, endsAt) = await c.QuerySingleAsync<(DateTime, DateTime)>(new CommandDefinition(
            "SELECT starts_at, ends_at FROM events WHERE id = @eventId", new { eventId }, tx, cancellationToken: ct));
        foreach (var rule in await LoadTimingAsync(c, tx, eventId, ct))
        {
            if (Due(rule, startsAt, endsAt, now, forOne: registrationId is not null) is not { } due) continue;
            await c.ExecuteAsync(new CommandDefinition($"""
                INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
                SELECT @kind, @prefix || CAST(r.id AS TEXT), r.event_id, r.id, @payload, '{OutboxStatus.Queued}', @due, @now
                FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
                WHERE r.event_id = @eventId AND r.status <> '{RegistrationStatus.Cancelled}' AND r.email <> ''
                  AND (@audience = 'all' OR t.kind = @audience OR 't:' || t.code = @audience)
                {(registrationId is null ? "" : "AND r.id = @registrationId")}
                {(registrationId is not null && due == now ? RequeueSkipped : "ON CONFLICT (dedupe_key) DO NOTHING")}
                """, new
            {
                kind = OutboxRows.Kinds.Reminder, prefix = $"reminder:{rule.Id}:", payload = Payload(rule),
                due, now, eventId, audience = rule.Audience, registrationId,
            }, tx, cancellationToken: ct));
        }
    }
}
