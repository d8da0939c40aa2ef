using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Events;

/// <param name="Kind">'live' tickets may join the meeting; 'recording' tickets get the recording only.</param>
public sealed record NewTicketType(string Code, string NameJa, string NameEn, int? Capacity, bool Waitlist, DateTime? SalesStart = null, DateTime? SalesEnd = null, string Kind = "live");

public sealed record NewCategory(string Code, string NameJa, string NameEn);

/// <summary>Everything needed to create an event; the demo seed, tests and (later) the console use it.</summary>
public sealed record NewEvent
{
    public required string Slug { get; init; }
    public required string Title { get; init; }
    public string Summary { get; init; } = "";
    public string Description { get; init; } = "";
    public required DateTime StartsAt { get; init; }
    public required DateTime EndsAt { get; init; }
    public string TimeZone { get; init; } = "Asia/Tokyo";
    public int DoorsOpenMinutes { get; init; }
    public string Language { get; init; } = "ja";
    public string Status { get; init; } = "draft";
    public string Venue { get; init; } = "";
    public string OrganizerName { get; init; } = "";
    public string OrganizerEmail { get; init; } = "";
    public string Contact { get; init; } = "";
    public IReadOnlyList<ProgrammeItem> Programme { get; init; } = [];
    public IReadOnlyList<Speaker> Speakers { get; init; } = [];
    public string ConsentPurpose { get; init; } = "";
    public required IReadOnlyList<NewTicketType> TicketTypes { get; init; }
    public IReadOnlyList<NewCategory> Categories { get; init; } = [];
    /// <summary>Reminder rules; null gives the defaults (the day before at 10:00, and one hour before for live tickets).</summary>
    public IReadOnlyList<Reminders.ReminderRule>? Reminders { get; init; }

    const string InsertEvent = """
        INSERT INTO events (slug, title, summary, description, starts_at, ends_at, time_zone, doors_open_minutes,
            language, status, venue, organizer_name, organizer_email, contact, programme, speakers, consent_purpose,
            created_at, updated_at)
        VALUES (@Slug, @Title, @Summary, @Description, @StartsAt, @EndsAt, @TimeZone, @DoorsOpenMinutes,
            @Language, @Status, @Venue, @OrganizerName, @OrganizerEmail, @Contact, @ProgrammeJson, @SpeakersJson, @ConsentPurpose,
            @Now, @Now)
        RETURNING id
        """;

    const string InsertTicket = """
        INSERT INTO ticket_types (event_id, code, kind, name_ja, name_en, capacity, waitlist, sales_start, sales_end, position)
        VALUES (@EventId, @Code, @Kind, @NameJa, @NameEn, @Capacity, @Waitlist, @SalesStart, @SalesEnd, @Position)
        """;

    const string InsertCategory = """
        INSERT INTO event_categories (event_id, code, name_ja, name_en, position)
        VALUES (@EventId, @Code, @NameJa, @NameEn, @Position)
        """;

    /// <summary>Inserts the event, its ticket types and categories inside the caller's transaction.</summary>
    public async Task<long> InsertAsync(DbConnection connection, DbTransaction tx, DateTime now, CancellationToken ct)
    {
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertEvent, new
        {
            Slug, Title, Summary, Description, StartsAt, EndsAt, TimeZone, DoorsOpenMinutes, Language, Status,
            Venue, OrganizerName, OrganizerEmail, Contact, ConsentPurpose, Now = now,
            ProgrammeJson = JsonSerializer.Serialize(Programme, Json.Options),
            SpeakersJson = JsonSerializer.Serialize(Speakers, Json.Options),
        }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(InsertTicket, TicketTypes.Select((t, i) => new
        {
            EventId = id, t.Code, t.Kind, t.NameJa, t.NameEn, t.Capacity, t.Waitlist, t.SalesStart, t.SalesEnd, Position = i,
        }), tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(InsertCategory, Categories.Select((c, i) => new
        {
            EventId = id, c.Code, c.NameJa, c.NameEn, Position = i,
        }), tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO reminder_rules (event_id, offset_minutes, audience) VALUES (@EventId, @OffsetMinutes, @Audience)",
            (Reminders ?? EventPortal.Web.Reminders.ReminderRules.Defaults(StartsAt, TimeZone)).Distinct()
                .Select(r => new { EventId = id, r.OffsetMinutes, r.Audience }), tx, cancellationToken: ct));
        return id;
    }

    public Task<long> CreateAsync(Db db, DateTime now, CancellationToken ct) =>
        db.WriteAsync((connection, tx) => InsertAsync(connection, tx, now, ct), ct);
}
