namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// What the outbox says the mail rules still owe. A rule not yet due has one plan row (kind <c>plan.reminder</c>) and
/// no rows per registration; when it is due, the dispatcher writes a <c>mail.reminder</c> row for each registration of
/// its audience registered by then (any time, for a late rule).
/// </summary>
public static class PlannedReminders
{
    /// <summary>The due times of the rules not yet written for anyone and due after <paramref name="after"/>, earliest first.</summary>
    public static Task<List<DateTime>> RulesAheadAsync(this PortalApp app, DateTime after) => app.QueryAsync<DateTime>(
        "SELECT due_at FROM outbox WHERE kind = 'plan.reminder' AND status IN ('queued', 'retry') AND due_at > @after ORDER BY due_at",
        new { after });

    /// <summary>
    /// How many reminders one registration is still owed: its reminder rows not yet sent, and each rule waiting for its
    /// time whose audience it is in and which has written no row for it yet.
    /// </summary>
    public static Task<int> RemindersOwedAsync(this PortalApp app, long registrationId) => app.QueryOneAsync<int>("""
        SELECT (SELECT COUNT(*) FROM outbox WHERE registration_id = @registrationId AND kind = 'mail.reminder'
                  AND status IN ('queued', 'retry'))
             + (SELECT COUNT(*) FROM outbox p
                JOIN reminder_rules rr ON p.payload = '{"rule":' || CAST(rr.id AS TEXT) || '}'
                JOIN registrations r ON r.id = @registrationId AND r.event_id = p.event_id
                JOIN ticket_types t ON t.id = r.ticket_type_id
                WHERE p.kind = 'plan.reminder' AND p.status IN ('queued', 'retry')
                  AND r.status <> 'cancelled' AND r.email <> ''
                  AND (rr.audience = 'all' OR rr.audience = t.kind OR rr.audience = 't:' || t.code)
                  AND (rr.late OR r.created_at <= p.due_at)
                  AND NOT EXISTS (SELECT 1 FROM outbox o
                                  WHERE o.dedupe_key = 'reminder:' || CAST(rr.id AS TEXT) || ':' || CAST(r.id AS TEXT)))
        """, new { registrationId });
}
