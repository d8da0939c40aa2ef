using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Reminders;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Events;

/// <param name="Field">How the form or the API names this row in an error (<c>ticketTypes[0].</c>, <c>t0-</c>); empty: by position.</param>
public sealed record TicketSpec(string Code, string NameJa, string NameEn, int? Capacity, bool Waitlist, string Kind = "live",
    DateTime? SalesStart = null, DateTime? SalesEnd = null, string Field = "")
{
    /// <summary>
    /// Double opt-in: a seat is held (pending) until the registrant uses the link mailed to the address.
    /// Null on input means the default: on for a ticket with a capacity, off for an unlimited one.
    /// </summary>
    public bool? ConfirmAddress { get; init; }
    public bool ConfirmsAddress => ConfirmAddress ?? Capacity is not null;

    /// <summary>Read from the database: seats taken (confirmed and held) and people waiting. Ignored on input.</summary>
    public int Taken { get; init; }
    public int Waitlisted { get; init; }
    public long Id { get; init; }

    public int? SeatsLeft => Capacity is { } c ? Math.Max(0, c - Taken) : null;
    public string Name(string language) => language == "en" && NameEn.Length > 0 ? NameEn : NameJa;
}

public sealed record CategorySpec(string Code, string NameJa, string NameEn, string Field = "")
{
    public string Name(string language) => language == "en" && NameEn.Length > 0 ? NameEn : NameJa;
}

/// <summary>A custom question as organisers edit it; <see cref="QuestionRecord"/> has the same fields as the form reads them.</summary>
public sealed record QuestionSpec(string Code, string LabelJa, string LabelEn, bool Required, string Field = "")
{
    public string Kind { get; init; } = QuestionType.Text;
    public string HelpJa { get; init; } = "";
    public string HelpEn { get; init; } = "";
    public IReadOnlyList<ChoiceOption> Options { get; init; } = [];
    public long? MinValue { get; init; }
    public long? MaxValue { get; init; }
    /// <summary>Ticket codes, comma-separated: asked only for these, required only for those (empty: every ticket).</summary>
    public string Tickets { get; init; } = "";
    public string RequiredTickets { get; init; } = "";

    public string Label(string language) => language == "en" && LabelEn.Length > 0 ? LabelEn : LabelJa;

    public static QuestionSpec From(QuestionRecord q) => new(q.Code, q.LabelJa, q.LabelEn, q.Required)
    {
        Kind = q.Kind, HelpJa = q.HelpJa, HelpEn = q.HelpEn, Options = q.Options, MinValue = q.MinValue, MaxValue = q.MaxValue,
        Tickets = q.Tickets, RequiredTickets = q.RequiredTickets,
    };

    /// <summary>The same question as <paramref name="other"/>, whatever form row each came from (options compared by value).</summary>
    public bool Same(QuestionSpec other) =>
        this with { Field = "", Options = [] } == other with { Field = "", Options = [] } && Options.SequenceEqual(other.Options);
}

/// <summary>
/// The organisers' model of an event: everything they can set, as the console, the admin API
/// and the registration lists read it: the event row (with the meeting link, which only
/// organisers see), its ticket types with their seats, attendee categories and custom questions.
/// <see cref="EventChanges"/> applies one to the database; <see cref="EventSpecRules"/> checks
/// one. The public sees <see cref="EventRecord"/> instead, which has no secrets.
/// </summary>
public sealed record EventSpec
{
    public long Id { get; init; }
    public string Status { get; init; } = EventStatus.Draft;
    public int Sequence { get; init; }

    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string Summary { get; init; } = "";
    public string Description { get; init; } = "";
    /// <summary>UTC.</summary>
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string TimeZone { get; init; } = "Asia/Tokyo";
    public int DoorsOpenMinutes { get; init; }
    public string Language { get; init; } = "ja";
    public string Venue { get; init; } = "";
    public string OrganiserName { get; init; } = "";
    public string OrganiserEmail { get; init; } = "";
    public string Contact { get; init; } = "";
    public string ConsentPurpose { get; init; } = "";
    public string MeetingProvider { get; init; } = "Manual";
    /// <summary>A secret: shown to organisers only, never on a public page or in a public answer.</summary>
    public string? MeetingUrl { get; init; }
    public IReadOnlyList<ProgrammeItem> Programme { get; init; } = [];
    public IReadOnlyList<SpeakerSpec> Speakers { get; init; } = [];
    public IReadOnlyList<TicketSpec> TicketTypes { get; init; } = [];
    public IReadOnlyList<CategorySpec> Categories { get; init; } = [];
    public IReadOnlyList<QuestionSpec> Questions { get; init; } = [];

    public string TicketName(long ticketTypeId, string language) =>
        TicketTypes.FirstOrDefault(t => t.Id == ticketTypeId)?.Name(language) ?? "";

    /// <summary>A stored category code the event no longer has shows as the code.</summary>
    public string CategoryName(string? code, string language) =>
        code is null ? "" : Categories.FirstOrDefault(c => c.Code == code)?.Name(language) ?? code;

    /// <summary>The time or the place changed: registrants must be told and their invites replaced.</summary>
    public bool MovesFrom(EventSpec before) =>
        StartsAt != before.StartsAt || EndsAt != before.EndsAt || Venue != before.Venue;

    /// <summary>A published event's speakers with an address changed: a Zoom webinar's panelists must follow.</summary>
    public bool PanelistsChangeFrom(EventSpec before) => before.Status == EventStatus.Published
        && !Panelists(Speakers).SequenceEqual(Panelists(before.Speakers));

    static IEnumerable<(string, string)> Panelists(IReadOnlyList<SpeakerSpec> speakers) =>
        speakers.Where(p => p.Email is not null).Select(p => (p.Name, p.Email!));

    /// <summary>Names of the top-level fields that differ from <paramref name="before"/>, for the audit log.</summary>
    public List<string> ChangedFrom(EventSpec before)
    {
        var changed = new List<string>();
        void Check(string name, object? a, object? b) { if (!Equals(a, b)) changed.Add(name); }
        Check("title", Title, before.Title);
        Check("summary", Summary, before.Summary);
        Check("description", Description, before.Description);
        Check("startsAt", StartsAt, before.StartsAt);
        Check("endsAt", EndsAt, before.EndsAt);
        Check("timeZone", TimeZone, before.TimeZone);
        Check("doorsOpenMinutes", DoorsOpenMinutes, before.DoorsOpenMinutes);
        Check("language", Language, before.Language);
        Check("venue", Venue, before.Venue);
        Check("organiserName", OrganiserName, before.OrganiserName);
        Check("organiserEmail", OrganiserEmail, before.OrganiserEmail);
        Check("contact", Contact, before.Contact);
        Check("consentPurpose", ConsentPurpose, before.ConsentPurpose);
        Check("meetingProvider", MeetingProvider, before.MeetingProvider);
        Check("meetingUrl", MeetingUrl ?? "", before.MeetingUrl ?? "");
        Check("programme", Json(Programme), Json(before.Programme));
        Check("speakers", Json(Speakers), Json(before.Speakers));
        foreach (var t in TicketTypes)
        {
            var old = before.TicketTypes.FirstOrDefault(o => o.Code == t.Code);
            if (old is null) changed.Add($"ticketTypes[{t.Code}] added");
            else if (old.Capacity != t.Capacity) changed.Add($"ticketTypes[{t.Code}].capacity {Seats(old.Capacity)}→{Seats(t.Capacity)}");
            else if (old with { Field = "" } != t with { Field = "", Taken = old.Taken, Waitlisted = old.Waitlisted, Id = old.Id })
                changed.Add($"ticketTypes[{t.Code}]");
        }
        changed.AddRange(before.TicketTypes
            .Where(o => TicketTypes.All(t => t.Code != o.Code))
            .Select(o => $"ticketTypes[{o.Code}] removed"));
        if (!Categories.Select(c => c with { Field = "" }).SequenceEqual(before.Categories.Select(c => c with { Field = "" })))
            changed.Add("categories");
        if (Questions.Count != before.Questions.Count || Questions.Zip(before.Questions).Any(p => !p.First.Same(p.Second)))
            changed.Add("questions");
        return changed;

        static string Seats(int? capacity) => capacity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "∞";
    }

    /// <summary>The seat rows of every capped ticket of a new event (Seats.Rows.cs).</summary>
    static async Task CreateSeatsAsync(DbConnection c, DbTransaction tx, long eventId, CancellationToken ct)
    {
        var tickets = await c.QueryAsync<(long Id, int? Capacity)>(new CommandDefinition(
            "SELECT id, capacity FROM ticket_types WHERE event_id = @eventId", new { eventId }, tx, cancellationToken: ct));
        foreach (var (ticketId, capacity) in tickets) await Seats.CreateSeatsAsync(c, tx, ticketId, capacity, ct);
    }

    static string Json<T>(T value) => JsonSerializer.Serialize(value, Events.Json.Options);

    const string EventRow = """
        SELECT id, status, sequence, slug, title, summary, description, starts_at, ends_at, time_zone, doors_open_minutes,
               language, venue, organiser_name, organiser_email, contact, consent_purpose, meeting_provider, meeting_url,
               programme, speakers
        FROM events WHERE slug = @slug
        """;

    const string Tickets = $"""
        SELECT t.id, t.code, t.name_ja, t.name_en, t.capacity, t.waitlist, t.confirm_address, t.kind, t.sales_start, t.sales_end,
               {Seats.TakenOfT} AS taken,
               (SELECT COUNT(*) FROM registrations r
                WHERE r.ticket_type_id = t.id AND r.status = '{RegistrationStatus.Waitlisted}') AS waitlisted
        FROM ticket_types t WHERE t.event_id = @id ORDER BY t.position, t.id
        """;

    public static async Task<EventSpec?> LoadAsync(Db db, string slug, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await LoadAsync(connection, null, slug, ct);
    }

    /// <summary>Any event (drafts too) with everything organisers may see; null when the slug is unknown.</summary>
    public static async Task<EventSpec?> LoadAsync(DbConnection connection, DbTransaction? tx, string slug, CancellationToken ct)
    {
        // Razor Pages bind a blank route value as null.
        if (string.IsNullOrEmpty(slug) || slug.Length > 100) return null;
        var row = await connection.QuerySingleOrDefaultAsync<EventSpec>(
            new CommandDefinition(EventRow, new { slug }, tx, cancellationToken: ct));
        if (row is null) return null;
        var id = row.Id;
        var tickets = await connection.QueryAsync<TicketRow>(new CommandDefinition(Tickets, new { id }, tx, cancellationToken: ct));
        var categories = await connection.QueryAsync<CategoryRecord>(new CommandDefinition(
            "SELECT code, name_ja, name_en FROM event_categories WHERE event_id = @id ORDER BY position, id",
            new { id }, tx, cancellationToken: ct));
        var questions = await connection.QueryAsync<QuestionRecord>(new CommandDefinition(
            $"SELECT {QuestionRecord.Columns} FROM event_questions WHERE event_id = @id ORDER BY position, id",
            new { id }, tx, cancellationToken: ct));
        return row with
        {
            TicketTypes = tickets.Select(t => new TicketSpec(t.Code, t.NameJa, t.NameEn, t.Capacity, t.Waitlist, t.Kind,
                    t.SalesStart, t.SalesEnd)
                { Taken = t.Taken, Waitlisted = (int)t.Waitlisted, Id = t.Id, ConfirmAddress = t.ConfirmAddress }).ToList(),
            Categories = categories.Select(c => new CategorySpec(c.Code, c.NameJa, c.NameEn)).ToList(),
            Questions = questions.Select(QuestionSpec.From).ToList(),
        };
    }
    const string InsertEvent = """
        INSERT INTO events (slug, title, summary, description, starts_at, ends_at, time_zone, doors_open_minutes, language, status,
            venue, organiser_name, organiser_email, contact, programme, speakers, consent_purpose, meeting_provider, meeting_url,
            created_at, updated_at)
        VALUES (@Slug, @Title, @Summary, @Description, @StartsAt, @EndsAt, @TimeZone, @DoorsOpenMinutes, @Language, @Status,
            @Venue, @OrganiserName, @OrganiserEmail, @Contact, @ProgrammeJson, @SpeakersJson, @ConsentPurpose, @MeetingProvider,
            @MeetingUrl, @Now, @Now)
        RETURNING id
        """;

    const string InsertTicket = """
        INSERT INTO ticket_types (event_id, code, kind, name_ja, name_en, capacity, waitlist, confirm_address, sales_start, sales_end,
            position)
        VALUES (@EventId, @Code, @Kind, @NameJa, @NameEn, @Capacity, @Waitlist, @ConfirmsAddress, @SalesStart, @SalesEnd, @Position)
        """;

    /// <summary>
    /// Inserts the event as it is (its status included) with its ticket types, categories, questions and
    /// reminder rules (null: the defaults), inside the caller's transaction; returns its id. The slug must be free.
    /// </summary>
    public async Task<long> InsertAsync(DbConnection c, DbTransaction tx, DateTime now, IReadOnlyList<ReminderRule>? reminders,
        CancellationToken ct)
    {
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition(InsertEvent, new
        {
            Slug, Title, Summary, Description, StartsAt, EndsAt, TimeZone, DoorsOpenMinutes, Language, Status,
            Venue, OrganiserName, OrganiserEmail, Contact, ConsentPurpose, MeetingProvider, Now = now,
            MeetingUrl = string.IsNullOrWhiteSpace(MeetingUrl) ? null : MeetingUrl,
            ProgrammeJson = Json(Programme), SpeakersJson = Json(Speakers),
        }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(InsertTicket, TicketTypes.Select((t, i) => new
        {
            EventId = id, t.Code, t.Kind, t.NameJa, t.NameEn, t.Capacity, t.Waitlist, t.ConfirmsAddress, t.SalesStart, t.SalesEnd,
            Position = i,
        }), tx, cancellationToken: ct));
        await CreateSeatsAsync(c, tx, id, ct);
        await InsertCategoriesAsync(c, tx, id, Categories, ct);
        await InsertQuestionsAsync(c, tx, id, Questions, ct);
        var rules = reminders ?? ReminderRules.Defaults(StartsAt, TimeZone);
        await ReminderRules.InsertAsync(c, tx, id, rules.Select(r => r with { Id = null }).Distinct(), ct);
        await ReminderFanOut.PlanAsync(c, tx, id, now, ct);
        return id;
    }

    /// <summary>An event's categories, in order (a change replaces the whole list).</summary>
    public static Task InsertCategoriesAsync(DbConnection c, DbTransaction tx, long eventId, IReadOnlyList<CategorySpec> categories,
        CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO event_categories (event_id, code, name_ja, name_en, position) VALUES (@EventId, @Code, @NameJa, @NameEn, @Position)
            """, categories.Select((x, i) => new { EventId = eventId, x.Code, x.NameJa, x.NameEn, Position = i }),
            tx, cancellationToken: ct));

    /// <summary>An event's custom questions, in order (a change replaces the whole list).</summary>
    public static Task InsertQuestionsAsync(DbConnection c, DbTransaction tx, long eventId, IReadOnlyList<QuestionSpec> questions,
        CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO event_questions (event_id, code, kind, label_ja, label_en, help_ja, help_en, required, options, min_value,
                max_value, tickets, required_tickets, position)
            VALUES (@EventId, @Code, @Kind, @LabelJa, @LabelEn, @HelpJa, @HelpEn, @Required, @Options, @MinValue,
                @MaxValue, @Tickets, @RequiredTickets, @Position)
            """, questions.Select((q, i) => new
            {
                EventId = eventId, q.Code, q.Kind, q.LabelJa, q.LabelEn, q.HelpJa, q.HelpEn, q.Required,
                Options = Json(q.Options), q.MinValue, q.MaxValue, q.Tickets, q.RequiredTickets,
                Position = i,
            }),
            tx, cancellationToken: ct));

    sealed class TicketRow
    {
        public long Id { get; init; }
        public string Code { get; init; } = "";
        public string NameJa { get; init; } = "";
        public string NameEn { get; init; } = "";
        public int? Capacity { get; init; }
        public bool Waitlist { get; init; }
        public bool ConfirmAddress { get; init; }
        public string Kind { get; init; } = "live";
        public DateTime? SalesStart { get; init; }
        public DateTime? SalesEnd { get; init; }
        public int Taken { get; init; }
        public long Waitlisted { get; init; }
    }
}
