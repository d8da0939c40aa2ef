using System.Text;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

/// <summary>The list's SQL, shared by the list page, the detail page, the CSV export and the admin API.</summary>
public static class RegistrationListQueries
{
    public const string Columns = """
        r.id, r.status, r.ticket_type_id, t.code AS ticket_code, r.family_name, r.given_name, r.reading, r.email,
        r.organization, r.category_code, r.accessibility, r.questions, r.answers, r.language,
        r.consent_at, r.created_at, r.updated_at, r.promoted_at, r.cancelled_at, r.attended, r.attended_source, r.attended_at,
        r.attended_minutes, r.joined_at, r.channel, r.entered_by
        """;

    const string From = "FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id";

    public const string Count = $"SELECT COUNT(*) {From} WHERE {RegistrationFilter.Where}";

    /// <summary>Every matching registration, oldest first (for the export: read it unbuffered).</summary>
    public const string All = $"SELECT {Columns} {From} WHERE {RegistrationFilter.Where} ORDER BY r.created_at, r.id";

    public const string Page = $"{All} LIMIT @limit OFFSET @offset";

    public const string One = $"SELECT {Columns} {From} WHERE r.event_id = @eventId AND r.id = @id";

    public const string CountsByStatus = """
        SELECT ticket_type_id, category_code, status, attended, COUNT(*) AS n FROM registrations
        WHERE event_id = @eventId GROUP BY ticket_type_id, category_code, status, attended
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
    public static readonly string[] Statuses = ["active", .. RegistrationStatus.All];
    public static readonly string[] Attendances = ["yes", "no", "unknown"];

    // Every condition is "no filter, or this one": one fixed statement, always parameterised.
    public const string Where = $"""
        r.event_id = @eventId
        AND (@ticket IS NULL OR t.code = @ticket)
        AND (@status IS NULL OR r.status = @status OR (@status = 'active' AND r.status <> '{RegistrationStatus.Cancelled}'))
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
        // NUL is never stored (PostgreSQL refuses it in text, even as a parameter): it cannot be part of a match.
        static string? Value(IQueryCollection q, string name, int max = 100) =>
            q[name].ToString().Replace("\0", "", StringComparison.Ordinal).Trim() is { Length: > 0 } v && v.Length <= max ? v : null;
        var status = Value(query, "status");
        var attendance = Value(query, "attendance");
        return new(Value(query, "q", 200), Value(query, "ticket"), Statuses.Contains(status) ? status : null,
            Value(query, "category"), Attendances.Contains(attendance) ? attendance : null);
    }

    public bool IsEmpty => this == None;

    public object Parameters(long eventId)
    {
        // Full-width letters, hiragana readings and upper case all find what was stored.
        var term = Search is null ? null
            : Kana.ToKatakana(Shared.Unicode.NormalizeOrKeep(Search, NormalizationForm.FormKC)).ToLowerInvariant();
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

    /// <summary>The filter as form fields (name, value), for a form that acts on what it matches.</summary>
    public IEnumerable<(string Name, string Value)> Fields()
    {
        if (Search is not null) yield return ("q", Search);
        if (Ticket is not null) yield return ("ticket", Ticket);
        if (Status is not null) yield return ("status", Status);
        if (Category is not null) yield return ("category", Category);
        if (Attendance is not null) yield return ("attendance", Attendance);
    }

    /// <summary>The filter as a query string (with a leading <c>?</c>, or empty), for links that keep it.</summary>
    public string QueryString(int? page = null)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in Fields()) pairs.Add(new(name, value));
        if (page is > 1) pairs.Add(new("page", page.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return Microsoft.AspNetCore.Http.QueryString.Create(pairs).ToString();
    }
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
    /// <summary>Where the attendance mark came from (Attendance/AttendanceMarks.cs), and when it was made.</summary>
    public string? AttendedSource { get; init; }
    public DateTime? AttendedAt { get; init; }
    /// <summary>Minutes in the meeting by the provider's report.</summary>
    public int? AttendedMinutes { get; init; }
    /// <summary>The first join redirect.</summary>
    public DateTime? JoinedAt { get; init; }
    /// <summary>How the person applied (<see cref="Registrations.RegistrationChannel"/>), and the organiser who entered it.</summary>
    public string Channel { get; init; } = Registrations.RegistrationChannel.Web;
    public string? EnteredBy { get; init; }

    public bool IsErased => Registrations.Erasure.IsErased(Email);
}

/// <summary>How many registrations of one ticket and category are in one status.</summary>
public sealed class StatusCount
{
    public long TicketTypeId { get; init; }
    public string? CategoryCode { get; init; }
    public string Status { get; init; } = "";
    public bool? Attended { get; init; }
    public int N { get; init; }
}
