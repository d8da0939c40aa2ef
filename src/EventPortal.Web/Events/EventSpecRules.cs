using System.Text.RegularExpressions;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Events;

/// <summary>
/// What an event must look like before it is stored, shared by the console and the admin API.
/// Errors name fields the API's way (<c>title</c>, <c>ticketTypes[0].capacity</c>); rows carry
/// their own prefix so the console can name its form fields instead.
/// </summary>
public static partial class EventSpecRules
{
    public const int TitleMax = 200, SummaryMax = 1000, DescriptionMax = 20_000, LineMax = 200, BlockMax = 2000, SlugMax = 80;
    public const int MaxTickets = 10, MaxCategories = 30, MaxQuestions = RegistrationValidator.AnswersMax, MaxRows = 50;
    public const int DoorsOpenMax = 240, CapacityMax = 100_000;   // one seat row per seat (Seats.Rows.cs)
    public static readonly string[] Providers = ["Manual", "Teams", "Zoom"];
    public static readonly string[] Kinds = ["live", "recording"];
    /// <summary>Slugs that would collide with console routes.</summary>
    static readonly string[] Reserved = ["new", "edit"];

    [GeneratedRegex("^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    public static partial Regex SlugPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,31}$")]
    public static partial Regex CodePattern();

    public static bool IsSlug(string slug) => slug.Length <= SlugMax && SlugPattern().IsMatch(slug) && !Reserved.Contains(slug);

    public static bool IsTimeZone(string id) =>
        id.Length is > 0 and <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId;

    /// <summary>An absolute https URL without spaces: the only kind of meeting link we hand out.</summary>
    public static bool IsHttpsUrl(string url) =>
        url.Length <= 2000 && !url.Any(char.IsWhiteSpace) && Uri.TryCreate(url, UriKind.Absolute, out var u)
            && u.Scheme == Uri.UriSchemeHttps && u.Host.Length > 0;

    /// <summary>
    /// Everything wrong with <paramref name="s"/>, to be stored over <paramref name="stored"/> (null: a new event).
    /// The console and the admin API both call this, after the problems their readers found.
    /// </summary>
    public static List<FieldError> Check(EventSpec s, EventSpec? stored)
    {
        var errors = new List<FieldError>();
        if (stored is null)
        {
            if (s.Slug.Length == 0) errors.Add(new("slug", "error.required"));
            else if (!IsSlug(s.Slug)) errors.Add(new("slug", "adminEvent.error.slug", SlugMax));
        }
        Line(errors, "title", s.Title, TitleMax, required: true);
        Block(errors, "summary", s.Summary, SummaryMax);
        Block(errors, "description", s.Description, DescriptionMax);
        if (!IsTimeZone(s.TimeZone)) errors.Add(new("timeZone", "adminEvent.error.timeZone"));
        if (s.StartsAt == default) errors.Add(new("startsAt", "error.required"));
        if (s.EndsAt == default) errors.Add(new("endsAt", "error.required"));
        else if (s.StartsAt != default && s.EndsAt <= s.StartsAt) errors.Add(new("endsAt", "adminEvent.error.endBeforeStart"));
        if (s.DoorsOpenMinutes is < 0 or > DoorsOpenMax) errors.Add(new("doorsOpenMinutes", "adminEvent.error.range", 0, DoorsOpenMax));
        if (s.Language is not ("ja" or "en")) errors.Add(new("language", "adminEvent.error.language"));
        Line(errors, "venue", s.Venue, LineMax);
        Line(errors, "organiserName", s.OrganiserName, LineMax);
        if (s.OrganiserEmail.Length > 0 && !EmailAddress.IsValid(s.OrganiserEmail)) errors.Add(new("organiserEmail", "error.email"));
        Block(errors, "contact", s.Contact, BlockMax);
        Block(errors, "consentPurpose", s.ConsentPurpose, BlockMax);
        if (!Providers.Contains(s.MeetingProvider))
            errors.Add(new("meetingProvider", "adminEvent.error.provider", string.Join(", ", Providers)));
        // A Teams event may name a linked webinar by its bare id instead of its link.
        if (s.MeetingUrl is { Length: > 0 } url && !IsHttpsUrl(url)
            && !(s.MeetingProvider == "Teams" && Meetings.TeamsWebinarLink.IsId(url)))
            errors.Add(new("meetingUrl", "adminEvent.error.https"));

        if (s.TicketTypes.Count == 0) errors.Add(new("ticketTypes", "adminEvent.error.noTickets"));
        if (s.TicketTypes.Count > MaxTickets) errors.Add(new("ticketTypes", "error.tooMany", MaxTickets));
        Rows(errors, s.TicketTypes, "ticketTypes", t => t.Field, t => t.Code, (t, f) =>
        {
            Line(errors, f + "name", t.NameJa, 100, required: true);
            Line(errors, f + "nameEn", t.NameEn, 100);
            if (t.Capacity is < 0 or > CapacityMax) errors.Add(new(f + "capacity", "adminEvent.error.range", 0, CapacityMax));
            if (!Kinds.Contains(t.Kind)) errors.Add(new(f + "kind", "adminEvent.error.kind"));
            if (t.SalesStart is { } from && t.SalesEnd is { } until && until <= from)
                errors.Add(new(f + "salesEnd", "adminEvent.error.endBeforeStart"));
        });

        if (s.Categories.Count > MaxCategories) errors.Add(new("categories", "error.tooMany", MaxCategories));
        Rows(errors, s.Categories, "categories", c => c.Field, c => c.Code, (c, f) =>
        {
            Line(errors, f + "name", c.NameJa, 100, required: true);
            Line(errors, f + "nameEn", c.NameEn, 100);
        });

        if (s.Questions.Count > MaxQuestions) errors.Add(new("questions", "error.tooMany", MaxQuestions));
        Rows(errors, s.Questions, "questions", q => q.Field, q => q.Code, (q, f) => CheckQuestion(errors, q, f, s.TicketTypes));

        if (s.Speakers.Count > MaxRows) errors.Add(new("speakers", "error.tooMany", MaxRows));
        for (var i = 0; i < s.Speakers.Count; i++)
        {
            var (sp, f) = (s.Speakers[i], $"speakers[{i}].");
            Line(errors, f + "name", sp.Name, 100, required: true);
            Line(errors, f + "affiliation", sp.Affiliation, LineMax);
            Line(errors, f + "role", sp.Role, 100);
            Block(errors, f + "bio", sp.Bio, BlockMax);
            if (sp.Email is { Length: > 0 } email && !EmailAddress.IsValid(email))
                errors.Add(new(f + "email", "adminEvent.error.speakerEmail"));
        }
        if (s.Programme.Count > MaxRows) errors.Add(new("programme", "error.tooMany", MaxRows));
        for (var i = 0; i < s.Programme.Count; i++)
        {
            var (p, f) = (s.Programme[i], $"programme[{i}].");
            Line(errors, f + "title", p.Title, LineMax, required: true);
            Line(errors, f + "time", p.Time, 20);
            Block(errors, f + "detail", p.Detail, BlockMax);
        }
        if (stored is not null) errors.AddRange(CheckSeats(s, stored));
        return errors;
    }

    public const int OptionsMax = 30, OptionMax = 100, HelpMax = 500;

    /// <summary>A question's type, texts, options (2–30 for a choice, none otherwise), number range and tickets.</summary>
    static void CheckQuestion(List<FieldError> errors, QuestionSpec q, string f, IReadOnlyList<TicketSpec> tickets)
    {
        if (!QuestionType.All.Contains(q.Kind)) errors.Add(new(f + "kind", "adminEvent.error.questionKind"));
        Line(errors, f + "label", q.LabelJa, 500, required: true);
        Line(errors, f + "labelEn", q.LabelEn, 500);
        Block(errors, f + "help", q.HelpJa, HelpMax);
        Block(errors, f + "helpEn", q.HelpEn, HelpMax);
        if (QuestionType.HasOptions(q.Kind))
        {
            if (q.Options.Count is < 2 or > OptionsMax) errors.Add(new(f + "options", "adminEvent.error.optionCount", 2, OptionsMax));
            for (var i = 0; i < q.Options.Count; i++)
            {
                Line(errors, f + "options", q.Options[i].Ja, OptionMax, required: true);
                Line(errors, f + "options", q.Options[i].En, OptionMax);
            }
            var labels = q.Options.Select(o => o.Ja).Concat(q.Options.Select(o => o.En).Where(en => en.Length > 0)).ToList();
            if (labels.Count != labels.Distinct(StringComparer.Ordinal).Count())
                errors.Add(new(f + "options", "adminEvent.error.duplicateOption"));
        }
        else if (q.Options.Count > 0) errors.Add(new(f + "options", "adminEvent.error.noOptions"));
        if (q.Kind != QuestionType.Number && (q.MinValue is not null || q.MaxValue is not null))
            errors.Add(new(f + "min", "adminEvent.error.rangeOnlyForNumbers"));
        if (q.MinValue > q.MaxValue) errors.Add(new(f + "max", "adminEvent.error.minAboveMax"));
        var codes = tickets.Select(t => t.Code).ToHashSet(StringComparer.Ordinal);
        var asked = QuestionRecord.Codes(q.Tickets);
        if (asked.Any(c => !codes.Contains(c))) errors.Add(new(f + "tickets", "error.unknownTicket"));
        if (QuestionRecord.Codes(q.RequiredTickets) is var required && required.Count > 0
            && required.Any(c => !codes.Contains(c) || (asked.Count > 0 && !asked.Contains(c))))
            errors.Add(new(f + "requiredTickets", "adminEvent.error.requiredTickets"));
    }

    /// <summary>
    /// Capacities below the seats already taken, against a copy read before the change (so that
    /// every problem shows at once); <see cref="EventChanges.UpdateAsync"/> checks again atomically.
    /// </summary>
    static IEnumerable<FieldError> CheckSeats(EventSpec s, EventSpec stored)
    {
        for (var i = 0; i < s.TicketTypes.Count; i++)
        {
            var t = s.TicketTypes[i];
            if (t.Capacity is { } capacity && stored.TicketTypes.FirstOrDefault(o => o.Code == t.Code) is { } old && capacity < old.Taken)
                yield return new((t.Field.Length > 0 ? t.Field : $"ticketTypes[{i}].") + "capacity",
                    "adminEvent.error.capacityBelowTaken", old.Taken);
        }
    }

    /// <summary>Codes: present, well-formed, unique within the list; then the row's own checks.</summary>
    static void Rows<T>(List<FieldError> errors, IReadOnlyList<T> rows, string list, Func<T, string> field, Func<T, string> code,
        Action<T, string> check)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var f = field(rows[i]) is { Length: > 0 } given ? given : $"{list}[{i}].";
            var c = code(rows[i]);
            if (c.Length == 0) errors.Add(new(f + "code", "error.required"));
            else if (!CodePattern().IsMatch(c)) errors.Add(new(f + "code", "adminEvent.error.code"));
            else if (!seen.Add(c)) errors.Add(new(f + "code", "adminEvent.error.duplicateCode"));
            check(rows[i], f);
        }
    }

    static void Line(List<FieldError> errors, string field, string? value, int max, bool required = false)
    {
        value ??= "";
        if (value.Length == 0) { if (required) errors.Add(new(field, "error.required")); }
        else if (value.Length > max) errors.Add(new(field, "error.tooLong", max));
        else if (!RegistrationValidator.IsCleanText(value, multiline: false)) errors.Add(new(field, "error.badCharacters"));
    }

    static void Block(List<FieldError> errors, string field, string? value, int max)
    {
        value ??= "";
        if (value.Length > max) errors.Add(new(field, "error.tooLong", max));
        else if (!RegistrationValidator.IsCleanText(value, multiline: true)) errors.Add(new(field, "error.badCharacters"));
    }
}
