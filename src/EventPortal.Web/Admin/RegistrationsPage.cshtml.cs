using System.Text;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/registrations</c>: who registered, searchable and filterable by a GET
/// form (works without JavaScript), 100 a page, with counts per ticket and per category.
/// <c>/admin/events/{slug}/registrations.csv</c> is the same list, every page, for Excel.
/// </summary>
public sealed class RegistrationsPageModel(Db db) : PageModel
{
    public const int PageSize = 100;

    public ConsoleEvent Event { get; private set; } = null!;
    public RegistrationFilter Filter { get; private set; } = RegistrationFilter.None;
    public IReadOnlyList<RegistrationRow> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
    public IReadOnlyList<StatusCount> Counts { get; private set; } = [];

    /// <param name="list">
    /// <c>registrations</c> or <c>registrations.csv</c>. The segment is an open parameter, not a
    /// regex constraint, so that literal and constrained siblings (<c>…/{slug}/edit</c>) win and
    /// the route enumeration in OrganiserAccessTests can fill it in; anything else is a 404.
    /// </param>
    public async Task<IActionResult> OnGetAsync(string slug, string list, CancellationToken ct)
    {
        if (list is not ("registrations" or "registrations.csv")) return NotFound();
        var e = await ConsoleEvent.FindAsync(db, slug, ct);
        if (e is null) return NotFound();
        (Event, Filter) = (e, RegistrationFilter.From(Request.Query));
        if (list == "registrations.csv")
        {
            await RegistrationsExport.WriteCsvAsync(HttpContext, db, e, Filter, ct);
            return new EmptyResult();
        }
        // "page" is Razor Pages' own route value, so the page number is read by hand.
        Response.Headers.CacheControl = "no-store";   // names and addresses: no copies in caches
        PageNumber = int.TryParse(Request.Query["page"], out var page) && page > 1 ? page : 1;
        await using var connection = await db.OpenAsync(ct);
        Total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            RegistrationList.Count, Filter.Parameters(e.Id), cancellationToken: ct));
        PageNumber = Math.Min(PageNumber, PageCount);
        var parameters = new DynamicParameters(Filter.Parameters(e.Id));
        parameters.Add("limit", PageSize);
        parameters.Add("offset", (PageNumber - 1) * PageSize);
        Rows = (await connection.QueryAsync<RegistrationRow>(new CommandDefinition(
            RegistrationList.Page, parameters, cancellationToken: ct))).AsList();
        Counts = (await connection.QueryAsync<StatusCount>(new CommandDefinition(
            RegistrationList.CountsByStatus, new { eventId = e.Id }, cancellationToken: ct))).AsList();
        return Page();
    }

    public string PageLink(int page) => $"/admin/events/{Event.Slug}/registrations{Filter.QueryString(page)}";
    public string CsvLink => $"/admin/events/{Event.Slug}/registrations.csv{Filter.QueryString()}";
}

/// <summary>
/// A horizontal bar chart drawn on the server as inline SVG: no script, and screen readers
/// read its title, which carries every number (the page repeats them in a table).
/// </summary>
public static class BarChart
{
    public static string Svg(string id, string title, IReadOnlyList<(string Label, int Value)> bars)
    {
        const int row = 28, labelWidth = 220, barWidth = 340;
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var height = bars.Count * row + 4;
        var summary = title + ": " + string.Join(", ", bars.Select(b => $"{b.Label} {b.Value:N0}"));
        var svg = new StringBuilder();
        svg.Append($"<svg class=\"bar-chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title\" viewBox=\"0 0 640 {height}\" width=\"640\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append($"<title id=\"{id}-title\">{Escape(summary)}</title>");
        for (var i = 0; i < bars.Count; i++)
        {
            var y = i * row + 4;
            var width = (int)Math.Round((double)barWidth * bars[i].Value / max);
            svg.Append($"<text x=\"0\" y=\"{y + 16}\" font-size=\"14\" fill=\"currentColor\">{Escape(bars[i].Label)}</text>");
            svg.Append($"<rect x=\"{labelWidth}\" y=\"{y}\" width=\"{Math.Max(width, 1)}\" height=\"20\" fill=\"#2f6fb2\"></rect>");
            svg.Append($"<text x=\"{labelWidth + width + 6}\" y=\"{y + 16}\" font-size=\"14\" fill=\"currentColor\">{bars[i].Value:N0}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}

/// <summary>How many registrations of one ticket and category are in one status.</summary>
public sealed class StatusCount
{
    public long TicketTypeId { get; init; }
    public string? CategoryCode { get; init; }
    public string Status { get; init; } = "";
    public int N { get; init; }
}

/// <summary>A registration as the console, the export and the admin API see it: everything.</summary>
public sealed class RegistrationRow
{
    public long Id { get; init; }
    public string Status { get; init; } = "";
    public long TicketTypeId { get; init; }
    public string TicketCode { get; init; } = "";
    public string FamilyName { get; init; } = "";
    public string GivenName { get; init; } = "";
    public string Reading { get; init; } = "";
    public string Email { get; init; } = "";
    public string Organization { get; init; } = "";
    public string? CategoryCode { get; init; }
    public string Accessibility { get; init; } = "";
    public string Questions { get; init; } = "";
    public string Answers { get; init; } = "{}";
    public string Language { get; init; } = "ja";
    public DateTime ConsentAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? PromotedAt { get; init; }
    public DateTime? CancelledAt { get; init; }
    public bool? Attended { get; init; }

    public bool IsErased => Registrations.Erasure.IsErased(Email);
}

/// <summary>The list's SQL, shared by the page, the CSV export and the admin API.</summary>
public static class RegistrationList
{
    public const string Columns = """
        r.id, r.status, r.ticket_type_id, t.code AS ticket_code, r.family_name, r.given_name, r.reading, r.email,
        r.organization, r.category_code, r.accessibility, r.questions, r.answers, r.language,
        r.consent_at, r.created_at, r.updated_at, r.promoted_at, r.cancelled_at, r.attended
        """;

    const string From = "FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id";

    public const string Count = $"SELECT COUNT(*) {From} WHERE {RegistrationFilter.Where}";

    /// <summary>Every matching registration, oldest first (for the export: read it unbuffered).</summary>
    public const string All = $"SELECT {Columns} {From} WHERE {RegistrationFilter.Where} ORDER BY r.created_at, r.id";

    public const string Page = $"{All} LIMIT @limit OFFSET @offset";

    public const string One = $"SELECT {Columns} {From} WHERE r.event_id = @eventId AND r.id = @id";

    public const string CountsByStatus = """
        SELECT ticket_type_id, category_code, status, COUNT(*) AS n FROM registrations
        WHERE event_id = @eventId GROUP BY ticket_type_id, category_code, status
        """;
}

/// <summary>
/// What the organiser asked for in the query string: <c>q</c> (name, reading, e-mail or
/// organisation), <c>ticket</c>, <c>status</c> (or <c>active</c>), <c>category</c>,
/// <c>attendance</c> (<c>yes</c>, <c>no</c>, <c>unknown</c>). Unknown values are ignored.
/// </summary>
public sealed record RegistrationFilter(string? Search, string? Ticket, string? Status, string? Category, string? Attendance)
{
    public static readonly RegistrationFilter None = new(null, null, null, null, null);
    public static readonly string[] Statuses = ["active", "confirmed", "waitlisted", "cancelled"];
    public static readonly string[] Attendances = ["yes", "no", "unknown"];

    // Every condition is "no filter, or this one": one fixed statement, always parameterised.
    public const string Where = """
        r.event_id = @eventId
        AND (@ticket IS NULL OR t.code = @ticket)
        AND (@status IS NULL OR r.status = @status OR (@status = 'active' AND r.status <> 'cancelled'))
        AND (@category IS NULL OR r.category_code = @category)
        AND (@attendance IS NULL OR (@attendance = 'unknown' AND r.attended IS NULL) OR r.attended = @attended)
        AND (@like IS NULL
             OR REPLACE(REPLACE(LOWER(r.family_name || r.given_name), ' ', ''), '　', '') LIKE @compactLike ESCAPE '\'
             OR REPLACE(REPLACE(r.reading, ' ', ''), '　', '') LIKE @compactLike ESCAPE '\'
             OR r.email_normalized LIKE @like ESCAPE '\'
             OR LOWER(r.organization) LIKE @like ESCAPE '\')
        """;

    public static RegistrationFilter From(IQueryCollection query)
    {
        static string? Value(IQueryCollection q, string name, int max = 100) =>
            q[name].ToString().Trim() is { Length: > 0 } v && v.Length <= max ? v : null;
        var status = Value(query, "status");
        var attendance = Value(query, "attendance");
        return new(Value(query, "q", 200), Value(query, "ticket"), Statuses.Contains(status) ? status : null,
            Value(query, "category"), Attendances.Contains(attendance) ? attendance : null);
    }

    public bool IsEmpty => this == None;

    public object Parameters(long eventId)
    {
        // Full-width letters, hiragana readings and upper case all find what was stored.
        var term = Search is null ? null : Kana.ToKatakana(Shared.Unicode.NormalizeOrKeep(Search, NormalizationForm.FormKC)).ToLowerInvariant();
        var compact = term is null ? null : string.Concat(term.Where(c => !char.IsWhiteSpace(c)));
        return new
        {
            eventId, ticket = Ticket, status = Status, category = Category, attendance = Attendance,
            attended = Attendance switch { "yes" => true, "no" => (bool?)false, _ => null },
            like = term is null ? null : $"%{EscapeLike(term)}%",
            compactLike = compact is null ? null : $"%{EscapeLike(compact)}%",
        };
    }

    static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>The filter as a query string (with a leading <c>?</c>, or empty), for links that keep it.</summary>
    public string QueryString(int? page = null)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        void Add(string key, string? value) { if (value is not null) pairs.Add(new(key, value)); }
        Add("q", Search); Add("ticket", Ticket); Add("status", Status); Add("category", Category); Add("attendance", Attendance);
        if (page is > 1) Add("page", page.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Microsoft.AspNetCore.Http.QueryString.Create(pairs).ToString();
    }
}

/// <summary>An event as the console sees it (drafts too), with what its registrations refer to.</summary>
public sealed class ConsoleEvent
{
    public long Id { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string TimeZone { get; init; } = "Asia/Tokyo";
    public string Status { get; init; } = "";
    public IReadOnlyList<TicketTypeRecord> Tickets { get; private set; } = [];
    public IReadOnlyList<CategoryRecord> Categories { get; private set; } = [];
    public IReadOnlyList<EventQuestion> Questions { get; private set; } = [];

    public string TicketName(long ticketTypeId, string language) =>
        Tickets.FirstOrDefault(t => t.Id == ticketTypeId)?.Name(language) ?? "";

    public string CategoryName(string? code, string language) =>
        code is null ? "" : Categories.FirstOrDefault(c => c.Code == code)?.Name(language) ?? code;

    TimeZoneInfo? _zone;

    /// <summary>A time in the event's own zone, as Excel and people read it (the export calls this 400,000 times).</summary>
    public string Local(DateTime? utc) => utc is { } t
        ? TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(t, DateTimeKind.Utc), _zone ??= EventTime.Zone(TimeZone))
            .ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
        : "";

    public static async Task<ConsoleEvent?> FindAsync(Db db, string slug, CancellationToken ct)
    {
        if (slug.Length > 100) return null;
        await using var connection = await db.OpenAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT id, slug, title, time_zone, status FROM events WHERE slug = @slug;
            SELECT t.id, t.event_id, t.code, t.kind, t.name_ja, t.name_en, t.capacity, t.taken, t.waitlist, t.sales_start, t.sales_end
            FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE e.slug = @slug ORDER BY t.position, t.id;
            SELECT c.code, c.name_ja, c.name_en FROM event_categories c JOIN events e ON e.id = c.event_id
            WHERE e.slug = @slug ORDER BY c.position, c.id;
            SELECT q.code, q.label_ja, q.label_en FROM event_questions q JOIN events e ON e.id = q.event_id
            WHERE e.slug = @slug ORDER BY q.position, q.id
            """, new { slug }, cancellationToken: ct));
        var e = await results.ReadSingleOrDefaultAsync<ConsoleEvent>();
        if (e is null) return null;
        e.Tickets = (await results.ReadAsync<TicketTypeRecord>()).AsList();
        e.Categories = (await results.ReadAsync<CategoryRecord>()).AsList();
        e.Questions = (await results.ReadAsync<EventQuestion>()).AsList();
        return e;
    }
}

/// <summary>An organiser's custom question (<c>event_questions</c>); answers are keyed by its code.</summary>
public sealed class EventQuestion
{
    public string Code { get; init; } = "";
    public string LabelJa { get; init; } = "";
    public string LabelEn { get; init; } = "";
    public string Label(string language) => language == "en" && LabelEn.Length > 0 ? LabelEn : LabelJa;
}
