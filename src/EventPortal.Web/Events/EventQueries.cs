using Dapper;
using Microsoft.Extensions.Caching.Memory;
using EventPortal.Web.Data;

using EventPortal.Web.Registrations;
using EventPortal.Web.Reminders;

namespace EventPortal.Web.Events;

/// <summary>Reads of published events, shared by the public pages, the API and registration.</summary>
public static class EventQueries
{
    public const string EventColumns = """
        id, slug, title, summary, description, starts_at, ends_at, time_zone, doors_open_minutes,
        language, status, venue, organiser_name, organiser_email, contact, programme, speakers,
        consent_purpose, sequence, join_opens_at, meeting_provider,
        (recording_url IS NOT NULL) AS has_recording, recording_available_until, previous_starts_at,
        image_type, image_width, image_height, image_version, plan_version
        """;

    const string Upcoming = $"""
        SELECT {EventColumns} FROM events
        WHERE status = '{EventStatus.Published}' AND ends_at > @now
        ORDER BY starts_at, id
        """;

    // Drafts are hidden from the public; @drafts = 1 shows them to the console's forms.
    const string Visible = $"(status <> '{EventStatus.Draft}' OR @drafts = 1)";

    const string BySlug = $"SELECT {EventColumns} FROM events WHERE slug = @slug AND {Visible}";

    const string TicketColumns =
        "SELECT id, event_id, code, kind, name_ja, name_en, capacity, waitlist, confirm_address, sales_start, sales_end";
    const string OfTheEvent =
        $"FROM ticket_types t WHERE event_id = (SELECT id FROM events WHERE slug = @slug AND {Visible}) ORDER BY position, id";
    // Only seats left are shown: the count is of the ticket's holders, so it costs as many index entries as seats are taken.
    const string Tickets = $"{TicketColumns}, CASE WHEN capacity IS NULL THEN 0 ELSE {Seats.TakenOfT} END AS taken {OfTheEvent}";
    const string TicketsUncounted = $"{TicketColumns}, NULL AS taken {OfTheEvent}";

    const string Categories = $"""
        SELECT code, name_ja, name_en FROM event_categories
        WHERE event_id = (SELECT id FROM events WHERE slug = @slug AND {Visible}) ORDER BY position, id
        """;

    const string ReminderTimings = $"""
        SELECT {ReminderRules.TimingColumns} FROM reminder_rules WHERE event_id = (SELECT id FROM events WHERE slug = @slug AND {Visible})
        """;

    const string Questions = $"""
        SELECT {QuestionRecord.Columns} FROM event_questions
        WHERE event_id = (SELECT id FROM events WHERE slug = @slug AND {Visible}) ORDER BY position, id
        """;

    public static async Task<IReadOnlyList<EventRecord>> UpcomingAsync(Db db, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<EventRecord>(new CommandDefinition(Upcoming, new { now }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// The event as the registration endpoints need it, from a copy at most a second old. Its
    /// rules (status, ticket types, sales windows, categories, mail rules) change rarely and seats are
    /// decided by the conditional UPDATE, not by this copy, so under a rush this saves a
    /// database read per registration without ever overselling; a registration's reminders are planned
    /// from the copy's rules only while its plan version is still the event's (Registrar.cs). Its tickets'
    /// <c>Taken</c> is not counted (reading it throws): when the copy runs out, every request of the moment reads it again, and
    /// counting 50,000 seats took each of them 40–170 ms on PostgreSQL (the capped rush's growing p99, bench/README.md).
    /// </summary>
    public static async Task<EventDetails?> FindForRegistrationAsync(Db db, IMemoryCache cache, string slug, CancellationToken ct)
    {
        if (cache.TryGetValue(("registration-event", slug), out EventDetails? cached)) return cached;
        var details = await FindAsync(db, slug, ct, seatsTaken: false);
        if (details is not null)
            cache.Set(("registration-event", slug), details,
                new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1), Size = 1 });
        return details;
    }

    /// <summary>A published, cancelled or completed event with its tickets, categories and questions; drafts stay hidden
    /// unless <paramref name="drafts"/> (the console's forms, which check registrations of any event). Without
    /// <paramref name="seatsTaken"/> the tickets' <c>Taken</c> is not counted, and reading it throws.</summary>
    public static async Task<EventDetails?> FindAsync(Db db, string slug, CancellationToken ct, bool drafts = false,
        bool seatsTaken = true)
    {
        // MVC binds a blank route value ("/events/%20") as null.
        if (string.IsNullOrEmpty(slug) || slug.Length > 100) return null;
        // One round trip for all five.
        await using var connection = await db.OpenAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{BySlug};\n{(seatsTaken ? Tickets : TicketsUncounted)};\n{Categories};\n{Questions};\n{ReminderTimings}",
            new { slug, drafts = drafts ? 1 : 0 },
            cancellationToken: ct));
        var e = await results.ReadSingleOrDefaultAsync<EventRecord>();
        if (e is null) return null;
        var tickets = (await results.ReadAsync<TicketTypeRecord>()).AsList();
        var categories = (await results.ReadAsync<CategoryRecord>()).AsList();
        var questions = (await results.ReadAsync<QuestionRecord>()).AsList();
        var timings = (await results.ReadAsync<ReminderRule>()).AsList();
        return new EventDetails(e, tickets, categories)
        {
            Questions = questions, Plan = new ReminderPlan(e.PlanVersion, e.StartsAt, e.EndsAt, timings),
        };
    }
}
