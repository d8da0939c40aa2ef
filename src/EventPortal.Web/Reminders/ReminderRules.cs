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
/// Mail rules become outbox rows with a due time, one per rule and registration, keyed
/// <c>reminder:{rule}:{registration}</c> so restarts and extra instances never send one twice. They are not written
/// when someone registers: each rule still ahead has one plan row (<see cref="ReminderFanOut"/>), due when the rule is,
/// which writes, in one statement, the rows of every active registration made by then (any, for a late rule). A
/// registration writes its own row only for a <see cref="ReminderRule.Late"/> rule already past (sent at once). When the
/// rules or the event's times change, every reminder and plan row not yet due is dropped and planned again, while the
/// dedupe keys of reminders already sent keep them from going out again. A rule keeps its id when edited, so its keys
/// stay. Who a rule is for beyond the ticket kind (category, attendance) is decided when it is sent
/// (Mail/MailComposer.cs): attendance is only known after the event.
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

    internal const string DropPlanned = $"""
        DELETE FROM outbox WHERE event_id = @eventId AND kind IN ('{OutboxRows.Kinds.Reminder}', '{ReminderFanOut.Kind}')
          AND status IN ({OutboxStatus.Waiting}) AND {OutboxRows.NotFirstMail}
        """;

    /// <summary>
    /// Drops every reminder and plan row of the event not yet sent and plans the rules still ahead again
    /// (<see cref="ReminderFanOut.PlanAsync"/>). With <paramref name="keepDue"/> (an edit of the rules, the event's times
    /// unchanged), rows already due stay: they are going out now or waiting for a retry, read their rule when sent, and
    /// would not be planned again. A row waiting for a retry is due again later than now, so only queued rows not yet due
    /// are dropped.
    /// </summary>
    public static async Task ReplanAsync(DbConnection c, DbTransaction tx, long eventId, DateTime now, CancellationToken ct,
        bool keepDue = false)
    {
        // A registration that planned from a copy of the plan before this change will not write its row (Registrar.cs).
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE events SET plan_version = plan_version + 1 WHERE id = @eventId", new { eventId }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            DropPlanned + (keepDue ? $" AND status = '{OutboxStatus.Queued}' AND due_at > @now" : ""),
            new { eventId, now }, tx, cancellationToken: ct));
        await ReminderFanOut.PlanAsync(c, tx, eventId, now, ct);
    }

    /// <summary>
    /// The rows a new registration writes with its confirmation in one statement (<see cref="OutboxRows.EnqueueAllAsync"/>):
    /// those of the late rules already past, from <paramref name="plan"/>. The rules still ahead are written for it when
    /// they are due (<see cref="ReminderFanOut"/>).
    /// </summary>
    public static IEnumerable<OutboxRows.Row> RowsForRegistration(ReminderPlan plan, long registrationId, string ticketKind, DateTime now)
    {
        // A rule for one ticket is planned too: whether it is this registration's ticket is decided when it is sent.
        foreach (var rule in plan.Rules
                     .Where(r => r.Audience == "all" || r.Audience == ticketKind || r.Audience.StartsWith(ReminderRule.TicketPrefix)))
            if (LatePast(rule, plan.StartsAt, plan.EndsAt, now))
                yield return new(OutboxRows.Kinds.Reminder, $"reminder:{rule.Id}:{registrationId}", Payload(rule), now);
    }

    /// <summary>A late rule already due: owed at once to whoever registers (or is promoted, or confirms) after it.</summary>
    static bool LatePast(ReminderRule rule, DateTime startsAt, DateTime endsAt, DateTime now) =>
        rule.Late && rule.DueAt(startsAt, endsAt) <= now;

    /// <summary>The row names its rule; the ticket kind is kept for rows of before the rules had ids in their payload.</summary>
    static string Payload(ReminderRule rule) => $"{{\"audience\":\"{rule.Audience}\",\"rule\":{rule.Id}}}";

    internal const string DropForRegistration = $"""
        DELETE FROM outbox
        WHERE registration_id = @registrationId AND kind = @kind AND status IN ({OutboxStatus.Waiting}) AND {OutboxRows.NotFirstMail}
        """;

    /// <summary>A cancelled registration is owed no more reminders.</summary>
    public static Task DropForRegistrationAsync(DbConnection c, DbTransaction tx, long registrationId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            DropForRegistration, new { registrationId, kind = OutboxRows.Kinds.Reminder }, tx, cancellationToken: ct));

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
    /// For one registration that can now have them (promoted, switched, its address confirmed): the rows of the late
    /// rules already past, due now. The rules still ahead are written for it when they are due.
    /// </summary>
    public static async Task PlanLateAsync(DbConnection c, DbTransaction tx, long eventId, long registrationId, DateTime now,
        CancellationToken ct)
    {
        var plan = await LoadPlanAsync(c, tx, eventId, ct);
        foreach (var rule in plan.Rules.Where(r => LatePast(r, plan.StartsAt, plan.EndsAt, now)))
            await WriteRowsAsync(c, tx, eventId, rule, now, now, registrationId, ct);
    }

    /// <summary>
    /// Who a rule's rows are for: the event's registrations not cancelled, with an address (not erased: a plan row due
    /// after an erasure or the retention purge writes nothing for them), on a ticket of the rule's audience (a SQL
    /// condition over <c>registrations r JOIN ticket_types t</c>, with <c>@eventId</c> and <c>@audience</c>).
    /// </summary>
    public const string Audience = $"""
        r.event_id = @eventId AND r.status <> '{RegistrationStatus.Cancelled}' AND {Erasure.Reachable}
          AND (@audience = 'all' OR t.kind = @audience OR 't:' || t.code = @audience)
        """;

    /// <summary>
    /// Writes one rule's rows, due at <paramref name="due"/>: for every registration of its audience
    /// (<paramref name="registrationId"/> null, the plan row's fan-out), or for one; one INSERT … SELECT. A rule that is
    /// not late is for those registered by its time: "tomorrow" is not sent to someone who registered an hour before.
    /// </summary>
    public static Task<int> WriteRowsAsync(DbConnection c, DbTransaction tx, long eventId, ReminderRule rule, DateTime due, DateTime now,
        long? registrationId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, due_at, created_at)
            SELECT @kind, @prefix || CAST(r.id AS TEXT), r.event_id, r.id, @payload, '{OutboxStatus.Queued}', @due, @now
            FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
            WHERE {Audience} AND (@late OR r.created_at <= @due)
            {(registrationId is null ? "ON CONFLICT (dedupe_key) DO NOTHING" : "AND r.id = @registrationId " + RequeueSkipped)}
            """, new
        {
            kind = OutboxRows.Kinds.Reminder, prefix = $"reminder:{rule.Id}:", payload = Payload(rule),
            due, now, eventId, audience = rule.Audience, registrationId, late = rule.Late,
        }, tx, cancellationToken: ct));
}
