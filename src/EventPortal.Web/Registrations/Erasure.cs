using System.Data.Common;
using Dapper;
using EventPortal.Web.Meetings;
using EventPortal.Web.Outbox;
using static EventPortal.Web.Registrations.RegistrationStatus;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Deleting a registrant's personal data (APPI: on request, or when no longer needed), for one
/// registration or for every registration of an event (the retention purge). Ticket, status,
/// category, attendance and times stay, so counts and reports still add up; everything that
/// names or reaches the person goes, and mail still owed to them is skipped.
/// </summary>
public static class Erasure
{
    /// <summary>Erased registrations keep a unique, undeliverable address (RFC 2606 <c>.invalid</c>).</summary>
    public const string ErasedDomain = "deleted.invalid";
    public const string ErasedName = "(deleted)";
    /// <summary>An erased registration's seed: <see cref="Tokens.Opens"/> refuses every link for it.</summary>
    public const string ErasedSeed = "erased";

    public static bool IsErased(string email) => email.EndsWith("@" + ErasedDomain, StringComparison.Ordinal);

    /// <summary>An erased registration's address, as SQL over its row: unique per registration, never delivered.</summary>
    public const string ErasedAddress = $"'deleted-' || id || '@{ErasedDomain}'";

    /// <summary>
    /// A registration (aliased <c>r</c>) that mail can reach, as SQL: it has an address (a staff entry may have none) and
    /// it is not erased (<see cref="IsErased"/>). Every mail to many registrations picks them with it.
    /// </summary>
    public const string Reachable = $"r.email <> '' AND r.email NOT LIKE '%@{ErasedDomain}'";

    // The seed goes, so no link made from it opens anything again (Tokens.Opens), and the token hashes of links
    // from before migration 0022 become values no SHA-256 hex can equal.
    const string Wipe = $$"""
        UPDATE registrations SET family_name = '{{ErasedName}}', given_name = '', reading = '',
            email = {{ErasedAddress}}, email_normalized = {{ErasedAddress}},
            organization = '', accessibility = '', questions = '', answers = '{}', token_seed = '{{ErasedSeed}}',
            manage_token_hash = 'erased-m-' || id, join_token_hash = 'erased-j-' || id, watch_token_hash = 'erased-w-' || id,
            provider_join_url = NULL, updated_at = @now
        """;

    // Mail not yet sent would go to the placeholder: skipped. Meeting rows stay (withdrawing the
    // Zoom registrant is part of the deletion). A failed mail's error may quote the address. Webhook
    // rows stay too: they hold no personal data and read none of an erased registration when they go,
    // and the integration must still learn that the registration was cancelled.
    const string SkipMail = $"""
        UPDATE outbox SET status = '{OutboxStatus.Skipped}', last_error = @reason, sent_at = @now
        WHERE status IN ({OutboxStatus.Waiting}) AND kind NOT LIKE '{MeetingSync.KindPrefix}%'
          AND kind NOT LIKE '{Webhooks.WebhookEvents.KindPrefix}%'
        """;

    // A correction's audit row quotes the values before and after: the record of the change stays, the values go.
    const string ForgetCorrections = """
        UPDATE audit_log SET detail = 'personal data deleted'
        WHERE action = 'registration.correct' AND target IN (SELECT 'registration:' || id FROM registrations
        """;

    const string ForgetErrors = $"UPDATE outbox SET last_error = @reason WHERE status = '{OutboxStatus.Failed}'";

    /// <summary>Erases one registration; an active one is cancelled first by the seat rules, without a mail.
    /// Returns whether it was active.</summary>
    public static async Task<bool> EraseAsync(DbConnection c, DbTransaction tx, SeatHolder r, DateTime now, CancellationToken ct)
    {
        var cancelled = await Seats.CancelAsync(c, tx, r, now, ct, SeatChange.Erased);
        var args = new { r.Id, now, reason = "personal data deleted" };
        await c.ExecuteAsync(new CommandDefinition(Wipe + " WHERE id = @Id", args, tx, cancellationToken: ct));
        await UnlinkResponsesAsync(c, tx, "registration_id = @Id", new { r.Id }, ct);
        await c.ExecuteAsync(new CommandDefinition(SkipMail + " AND registration_id = @Id", args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(ForgetErrors + " AND registration_id = @Id", args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(ForgetCorrections + " WHERE id = @Id)", args, tx, cancellationToken: ct));
        return cancelled;
    }

    /// <summary>
    /// Survey responses of erased registrations lose their link to the person and their free text
    /// (which may name them); their choices and category stay, so the results still add up.
    /// </summary>
    static async Task UnlinkResponsesAsync(DbConnection c, DbTransaction tx, string where, object args, CancellationToken ct)
    {
        var responses = await c.QueryAsync<(long Id, long EventId, string Answers)>(new CommandDefinition(
            $"SELECT id, event_id, answers FROM survey_responses WHERE {where}", args, tx, cancellationToken: ct));
        var textQuestions = new Dictionary<long, HashSet<string>>();   // per event, read once
        foreach (var (id, eventId, answers) in responses)
        {
            if (!textQuestions.TryGetValue(eventId, out var texts))
                textQuestions[eventId] = texts = (await c.QueryAsync<long>(new CommandDefinition(
                    "SELECT id FROM survey_questions WHERE event_id = @eventId AND kind = 'text'", new { eventId }, tx,
                    cancellationToken: ct)))
                    .Select(q => q.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            var kept = System.Text.Json.Nodes.JsonNode.Parse(answers) as System.Text.Json.Nodes.JsonObject ?? [];
            foreach (var key in kept.Select(p => p.Key).Where(texts.Contains).ToList()) kept.Remove(key);
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE survey_responses SET registration_id = NULL, answers = @answers WHERE id = @id",
                new { id, answers = kept.ToJsonString(Events.Json.Stored) }, tx, cancellationToken: ct));
        }
    }

    /// <summary>Erases every registration of an event (statuses unchanged: the event is over). Returns how many.</summary>
    public static async Task<int> EraseEventAsync(DbConnection c, DbTransaction tx, long eventId, DateTime now, CancellationToken ct)
    {
        var holders = await c.QueryAsync<SeatHolder>(new CommandDefinition(
            Seats.SelectHolders + " WHERE r.event_id = @eventId", new { eventId }, tx, cancellationToken: ct));
        foreach (var r in holders) await Owed.AfterAsync(c, tx, r, SeatChange.Erased, now, ct);
        var args = new { eventId, now, reason = "personal data purged (retention)" };
        var erased = await c.ExecuteAsync(new CommandDefinition(Wipe + " WHERE event_id = @eventId", args, tx, cancellationToken: ct));
        await UnlinkResponsesAsync(c, tx, "event_id = @eventId AND registration_id IS NOT NULL", new { eventId }, ct);
        // Every kind of the event, first mails included, so not through outbox_event (OutboxRows.NotFirstMail): the
        // status conditions of both statements read the index by status instead.
        await c.ExecuteAsync(new CommandDefinition(
            SkipMail + " AND event_id = @eventId AND registration_id IS NOT NULL", args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            ForgetErrors + " AND event_id = @eventId AND registration_id IS NOT NULL", args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(ForgetCorrections + " WHERE event_id = @eventId)", args, tx, cancellationToken: ct));
        return erased;
    }
}
