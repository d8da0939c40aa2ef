using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Meetings;
using EventPortal.Web.Registrations;
using EventPortal.Web.Reminders;
using EventPortal.Web.Outbox;
using Npgsql;

namespace EventPortal.Web.Events;

/// <summary>Writes the audit row for a change, inside the change's transaction.</summary>
public delegate Task AuditWriter(DbConnection connection, DbTransaction tx, string action, string target, string detail);

/// <param name="Errors">Why nothing was changed (fields named as in the spec); empty on success.</param>
/// <param name="Mailed">Outbox rows queued: the caller wakes the dispatcher when there are any.</param>
public sealed record ChangeResult(IReadOnlyList<FieldError> Errors, int Mailed = 0, int Promoted = 0, string? Slug = null)
{
    public bool Ok => Errors.Count == 0;
    public static ChangeResult Refused(string field, string key, params object[] args) => new([new FieldError(field, key, args)]);
}

/// <summary>
/// Changes organisers make to events. Each is one transaction with its audit row and the
/// mail it owes. A change of time or place raises the calendar SEQUENCE, so the invites sent
/// next replace the ones already in calendars (same UID, higher SEQUENCE), and queues one
/// update mail per active registration; other edits tell nobody. Cancelling the event raises
/// SEQUENCE too and sends everyone a cancellation (METHOD:CANCEL). A larger capacity goes to
/// the waitlist in order, seat by seat, with the same conditional UPDATE as a registration.
/// </summary>
public static class EventChanges
{
    /// <summary>Audit actions: <c>event.</c> and create, update, publish, unpublish, cancel or duplicate.</summary>
    const string Action = "event.";

    /// <summary>Refuses a change half-way through: everything written so far is rolled back.</summary>
    sealed class Refusal(IReadOnlyList<FieldError> errors) : Exception("change refused")
    {
        public IReadOnlyList<FieldError> Errors { get; } = errors;
    }

    /// <summary>Creates a draft. The slug must be free: a taken one is refused on <c>slug</c> (adminEvent.error.slugTaken).</summary>
    /// <param name="reminders">Reminder rules; null gives the defaults.</param>
    public static async Task<ChangeResult> CreateAsync(Db db, EventSpec spec, DateTime now, AuditWriter audit, CancellationToken ct,
        string action = Action + "create", string? detail = null, IReadOnlyList<ReminderRule>? reminders = null)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                if (await c.ExecuteScalarAsync<int>(new CommandDefinition(
                        "SELECT COUNT(*) FROM events WHERE slug = @Slug", new { spec.Slug }, tx, cancellationToken: ct)) > 0)
                    return ChangeResult.Refused("slug", "adminEvent.error.slugTaken");
                await (spec with { Status = EventStatus.Draft }).InsertAsync(c, tx, now, reminders, ct);
                await audit(c, tx, action, spec.Slug, detail ?? $"draft \"{spec.Title}\"");
                return new ChangeResult([], Slug: spec.Slug);
            }, ct);
        }
        catch (Exception e) when (Db.IsUniqueViolation(e))
        {
            return ChangeResult.Refused("slug", "adminEvent.error.slugTaken"); // taken by a concurrent create
        }
    }

    /// <summary>
    /// Makes the event look like <paramref name="spec"/> (its slug names the event; ticket types
    /// missing from the spec are removed, which is refused while they have registrations).
    /// </summary>
    public static async Task<ChangeResult> UpdateAsync(Db db, EventSpec spec, DateTime now, AuditWriter audit, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                if (!db.IsSqlite) // lock the event row: two organisers saving at once apply one after the other
                    await c.ExecuteAsync(new CommandDefinition(
                        "SELECT id FROM events WHERE slug = @Slug FOR UPDATE", new { spec.Slug }, tx, cancellationToken: ct));
                var before = await EventSpec.LoadAsync(c, tx, spec.Slug, ct);
                if (before is null) return ChangeResult.Refused("slug", "error.eventNotFound");
                if (before.Status == EventStatus.Cancelled) return ChangeResult.Refused("status", "adminEvent.error.cancelled");
                // Another provider would not know the meeting made (or being made) by this one: it must go first (cancel, or ask an owner).
                if (spec.MeetingProvider != before.MeetingProvider && await c.ExecuteScalarAsync<int>(new CommandDefinition(
                        $"""
                        SELECT COUNT(*) FROM events WHERE id = @Id
                          AND ((meeting_external_id IS NOT NULL AND COALESCE(meeting_state, '') <> '{MeetingState.Deleted}')
                            OR meeting_state IN ('{MeetingState.Pending}', '{MeetingState.Creating}'))
                        """,
                        new { before.Id }, tx, cancellationToken: ct)) > 0)
                    return ChangeResult.Refused("meetingProvider", "adminEvent.error.providerHasMeeting", before.MeetingProvider);
                var promoted = await ApplyTicketsAsync(c, tx, before, spec.TicketTypes, now, ct);
                await c.ExecuteAsync(new CommandDefinition("""
                    UPDATE events SET title = @Title, summary = @Summary, description = @Description, starts_at = @StartsAt,
                        ends_at = @EndsAt, time_zone = @TimeZone, doors_open_minutes = @DoorsOpenMinutes, language = @Language,
                        venue = @Venue, organiser_name = @OrganiserName, organiser_email = @OrganiserEmail, contact = @Contact,
                        consent_purpose = @ConsentPurpose, meeting_provider = @MeetingProvider, meeting_url = @MeetingUrl,
                        programme = @ProgrammeJson, speakers = @SpeakersJson, updated_at = @now, previous_starts_at = CASE WHEN
                        starts_at <> @StartsAt AND status = 'published' THEN COALESCE(previous_starts_at, starts_at)
                        ELSE previous_starts_at END
                    WHERE id = @Id
                    """, new
                {
                    spec.Title, spec.Summary, spec.Description, spec.StartsAt, spec.EndsAt, spec.TimeZone, spec.DoorsOpenMinutes,
                    spec.Language, spec.Venue, spec.OrganiserName, spec.OrganiserEmail, spec.Contact, spec.ConsentPurpose,
                    spec.MeetingProvider, MeetingUrl = Blank(spec.MeetingUrl), before.Id, now,
                    ProgrammeJson = JsonSerializer.Serialize(spec.Programme, Json.Options),
                    SpeakersJson = JsonSerializer.Serialize(spec.Speakers, Json.Options),
                }, tx, cancellationToken: ct));
                await c.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM event_categories WHERE event_id = @Id", new { before.Id }, tx, cancellationToken: ct));
                await EventSpec.InsertCategoriesAsync(c, tx, before.Id, spec.Categories, ct);
                await c.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM event_questions WHERE event_id = @Id", new { before.Id }, tx, cancellationToken: ct));
                await EventSpec.InsertQuestionsAsync(c, tx, before.Id, spec.Questions, ct);

                var changed = spec.ChangedFrom(before);
                var mailed = promoted.Count;
                if (spec.MovesFrom(before))
                {
                    var sequence = await c.ExecuteScalarAsync<int>(new CommandDefinition(
                        "UPDATE events SET sequence = sequence + 1 WHERE id = @Id RETURNING sequence",
                        new { before.Id }, tx, cancellationToken: ct));
                    var told = await NotifyUpdatedAsync(c, tx, before.Id, sequence, promoted, now, ct);
                    mailed += told;
                    changed.Add($"sequence {sequence}, {told} registrants told");
                    // Mail rules are due relative to the start or the end: plan the ones not yet sent again.
                    if (spec.StartsAt != before.StartsAt || spec.EndsAt != before.EndsAt)
                        await ReminderRules.ReplanAsync(c, tx, before.Id, now, ct);
                }
                var version = now.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (spec.MeetingProvider != before.MeetingProvider && before.Status == EventStatus.Published)
                    // a published event switched to Teams/Zoom
                    await MeetingSync.QueueAsync(c, tx, before.Id, MeetingSync.Create, version, now, ct);
                else if (spec.MovesFrom(before) || spec.Title != before.Title || spec.PanelistsChangeFrom(before))
                    await MeetingSync.QueueAsync(c, tx, before.Id, MeetingSync.Update, version, now, ct);
                if (promoted.Count > 0) changed.Add($"{promoted.Count} promoted from the waitlist");
                await audit(c, tx, Action + "update", spec.Slug, changed.Count > 0 ? string.Join("; ", changed) : "no change");
                return new ChangeResult([], mailed, promoted.Count, spec.Slug);
            }, ct);
        }
        catch (Refusal refusal)
        {
            return new ChangeResult(refusal.Errors);
        }
    }

    /// <summary>draft → published (publish) or published → draft (unpublish, only while nobody is registered).</summary>
    public static Task<ChangeResult> SetPublishedAsync(Db db, string slug, bool publish, DateTime now, AuditWriter audit,
        CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var found = await c.QuerySingleOrDefaultAsync<IdStatus>(new CommandDefinition(
                "SELECT id, status FROM events WHERE slug = @slug", new { slug }, tx, cancellationToken: ct));
            if (found is null) return ChangeResult.Refused("slug", "error.eventNotFound");
            var (from, to) = publish ? (EventStatus.Draft, EventStatus.Published) : (EventStatus.Published, EventStatus.Draft);
            if (found.Status == to) return new ChangeResult([], Slug: slug);
            if (found.Status != from)
                return ChangeResult.Refused("status",
                    found.Status == EventStatus.Cancelled ? "adminEvent.error.cancelled" : "adminEvent.error.status");
            if (!publish && await c.ExecuteScalarAsync<int>(new CommandDefinition(
                    $"SELECT COUNT(*) FROM registrations WHERE event_id = @Id AND status <> '{RegistrationStatus.Cancelled}'",
                    new { found.Id }, tx, cancellationToken: ct)) is > 0 and var active)
                return ChangeResult.Refused("status", "adminEvent.error.hasRegistrations", active);
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE events SET status = @to, updated_at = @now WHERE id = @Id AND status = @from",
                new { to, from, now, found.Id }, tx, cancellationToken: ct));
            // Teams/Zoom: the meeting is made when the event goes public (createOrGet makes a repeat harmless).
            if (publish) await MeetingSync.QueueAsync(c, tx, found.Id, MeetingSync.Create,
                now.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture), now, ct);
            await audit(c, tx, Action + (publish ? "publish" : "unpublish"), slug, $"{from} → {to}");
            return new ChangeResult([], Slug: slug);
        }, ct);

    /// <summary>Cancels the event: SEQUENCE up, and every active registration gets one cancellation (METHOD:CANCEL).</summary>
    public static Task<ChangeResult> CancelAsync(Db db, string slug, DateTime now, AuditWriter audit, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var id = await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT id FROM events WHERE slug = @slug", new { slug }, tx, cancellationToken: ct));
            if (id is not { } eventId) return ChangeResult.Refused("slug", "error.eventNotFound");
            var sequence = await c.QuerySingleOrDefaultAsync<int?>(new CommandDefinition($"""
                UPDATE events SET status = '{EventStatus.Cancelled}', sequence = sequence + 1, updated_at = @now
                WHERE id = @eventId AND status <> '{EventStatus.Cancelled}'
                RETURNING sequence
                """, new { eventId, now }, tx, cancellationToken: ct));
            if (sequence is null) return new ChangeResult([], Slug: slug); // already cancelled: everyone was told then
            // Registrations keep their status (the event, not the seat, is cancelled); each is owed the cancellation.
            var active = await c.QueryAsync<SeatHolder>(new CommandDefinition(
                Seats.SelectHolders + $" WHERE r.event_id = @eventId AND r.status <> '{RegistrationStatus.Cancelled}' ORDER BY r.id",
                new { eventId }, tx, cancellationToken: ct));
            var told = 0;
            foreach (var registration in active)
                if (await Owed.AfterAsync(c, tx, registration, SeatChange.EventCancelled, now, ct)) told++;
            await ReminderFanOut.DropAsync(c, tx, eventId, ct);   // nor any reminder still ahead
            await MeetingSync.QueueAsync(c, tx, eventId, MeetingSync.Delete, sequence.Value, now, ct);
            await audit(c, tx, Action + "cancel", slug, $"sequence {sequence}, {told} registrants told");
            return new ChangeResult([], told, Slug: slug);
        }, ct);

    /// <summary>
    /// Copies an event as the draft of the next one: everything but its registrations, seats
    /// taken, meeting link and status, under a new slug (<c>{slug}-2</c>, <c>-3</c>, …).
    /// </summary>
    public static async Task<ChangeResult> DuplicateAsync(Db db, string slug, DateTime now, AuditWriter audit, CancellationToken ct)
    {
        EventSpec? source;
        List<string> taken;
        IReadOnlyList<ReminderRule> reminders;
        await using (var connection = await db.OpenAsync(ct))
        {
            source = await EventSpec.LoadAsync(connection, null, slug, ct);
            if (source is null) return ChangeResult.Refused("slug", "error.eventNotFound");
            var stem = System.Text.RegularExpressions.Regex.Replace(slug, "-[0-9]{1,2}$", "");
            stem = stem.Length > EventSpecRules.SlugMax - 4 ? stem[..(EventSpecRules.SlugMax - 4)].TrimEnd('-') : stem;
            taken = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT slug FROM events WHERE slug LIKE @prefix", new { prefix = stem + "-%" }, cancellationToken: ct))).AsList();
            var number = 2;
            while (taken.Contains($"{stem}-{number}")) number++;
            source = source with { Slug = $"{stem}-{number}" };
            reminders = await ReminderRules.LoadAsync(connection, null, source.Id, ct);
        }
        var copy = source with
        {
            MeetingUrl = null,
            TicketTypes = source.TicketTypes.Select(t => t with { Taken = 0, Waitlisted = 0, Id = 0 }).ToList(),
        };
        return await CreateAsync(db, copy, now, audit, ct, Action + "duplicate", $"copy of {slug}", reminders);
    }

    /// <summary>Updates, adds and removes ticket types; then fills any new seats from the waitlist. Returns who was promoted.</summary>
    static async Task<List<long>> ApplyTicketsAsync(DbConnection c, DbTransaction tx, EventSpec before, IReadOnlyList<TicketSpec> tickets,
        DateTime now, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var gone = before.TicketTypes.Where(o => tickets.All(t => t.Code != o.Code)).ToList();
        // No foreign key from a registration to its ticket (PostgreSQL's migration 0027, SQLite's 0029): a ticket goes only
        // while no registration names it, counted after every registration in flight has committed, with new ones waiting
        // for this edit's end. On PostgreSQL that takes this lock, first, before any line lock (Seats.Rows.cs) a
        // registration in flight might wait for; SQLite's one writer has no registration in flight beside this edit.
        if (gone.Count > 0 && c is NpgsqlConnection)
            await c.ExecuteAsync(new CommandDefinition("LOCK TABLE registrations IN SHARE ROW EXCLUSIVE MODE", transaction: tx,
                cancellationToken: ct));
        for (var i = 0; i < tickets.Count; i++)
        {
            var t = tickets[i];
            var field = t.Field.Length > 0 ? t.Field : $"ticketTypes[{i}].";
            var row = new
            {
                EventId = before.Id, t.Code, t.NameJa, t.NameEn, t.Capacity, t.Waitlist, t.ConfirmsAddress, t.Kind, t.SalesStart,
                t.SalesEnd, Position = i,
            };
            if (before.TicketTypes.FirstOrDefault(o => o.Code == t.Code) is not { } old)
            {
                var added = await c.ExecuteScalarAsync<long>(new CommandDefinition("""
                    INSERT INTO ticket_types (event_id, code, kind, name_ja, name_en, capacity, waitlist, confirm_address, sales_start,
                        sales_end, position)
                    VALUES (@EventId, @Code, @Kind, @NameJa, @NameEn, @Capacity, @Waitlist, @ConfirmsAddress, @SalesStart, @SalesEnd,
                        @Position)
                    RETURNING id
                    """, row, tx, cancellationToken: ct));
                await Seats.CreateSeatsAsync(c, tx, added, t.Capacity, ct);
                continue;
            }
            await c.ExecuteAsync(new CommandDefinition("""
                UPDATE ticket_types SET name_ja = @NameJa, name_en = @NameEn, capacity = @Capacity, waitlist = @Waitlist, kind = @Kind,
                    confirm_address = @ConfirmsAddress,
                    sales_start = @SalesStart, sales_end = @SalesEnd, position = @Position
                WHERE event_id = @EventId AND code = @Code
                """, row, tx, cancellationToken: ct));
            // Checked against the seats as they are now (under the ticket's line lock), not as they were read.
            if (t.Capacity != old.Capacity && !await Seats.ResizeAsync(c, tx, old.Id, t.Capacity, ct))
            {
                var taken = await c.ExecuteScalarAsync<int>(new CommandDefinition(
                    $"SELECT {Seats.TakenOfT} FROM ticket_types t WHERE t.id = @Id", new { old.Id }, tx, cancellationToken: ct));
                errors.Add(new(field + "capacity", "adminEvent.error.capacityBelowTaken", taken));
            }
        }
        foreach (var ticket in gone)
        {
            var used = await c.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT COUNT(*) FROM registrations WHERE ticket_type_id = @Id", new { ticket.Id }, tx, cancellationToken: ct));
            if (used > 0) errors.Add(new("ticketTypes", "adminEvent.error.ticketInUse", ticket.Code, used));
            else await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM ticket_types WHERE id = @Id", new { ticket.Id }, tx, cancellationToken: ct));
        }
        if (errors.Count > 0) throw new Refusal(errors);

        var promoted = new List<long>();
        foreach (var old in before.TicketTypes.Where(o => o.Waitlisted > 0 && tickets.Any(t => t.Code == o.Code)))
            promoted.AddRange(await Seats.FillFromWaitlistAsync(c, tx, before.Id, old.Id, now, ct));
        return promoted;
    }

    /// <summary>One update mail per active registration (except those just promoted: their mail has the new invite already).</summary>
    static async Task<int> NotifyUpdatedAsync(DbConnection c, DbTransaction tx, long eventId, int sequence, IReadOnlyCollection<long> skip,
        DateTime now, CancellationToken ct)
    {
        var active = await c.QueryAsync<long>(new CommandDefinition(
            $"SELECT id FROM registrations WHERE event_id = @eventId AND status <> '{RegistrationStatus.Cancelled}' ORDER BY id",
            new { eventId }, tx, cancellationToken: ct));
        var queued = 0;
        foreach (var registration in active.Where(r => !skip.Contains(r)))
            if (await OutboxRows.EnqueueAsync(c, tx, OutboxRows.Kinds.EventUpdated, $"update:{registration}:{sequence}",
                    eventId, registration, now, ct)) queued++;
        return queued;
    }

    sealed record IdStatus(long Id, string Status);
    static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
