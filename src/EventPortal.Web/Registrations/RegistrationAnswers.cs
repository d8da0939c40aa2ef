using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Answers to the registration form's custom questions (<see cref="QuestionRecord"/>): read from what a form
/// or the API sent (every answer arrives as a list of strings: a form field may repeat, a JSON array too),
/// checked against the question's type, stored as JSON, and shown again as text. The form, the API, staff
/// entries, the import and corrections all go through <see cref="Read"/>, so one rule holds everywhere.
/// </summary>
public static class RegistrationAnswers
{
    public const int TextMax = RegistrationValidator.LongTextMax;
    /// <summary>At most this many values per answer (a multiple choice has at most as many options).</summary>
    public const int ValuesMax = 30;
    const long NumberLimit = 1_000_000_000_000;

    /// <summary>
    /// One question's answer as stored (null: not answered), or an error added under <paramref name="field"/>.
    /// A choice is matched by its Japanese or English label and stored as the Japanese one, so an answer keeps
    /// meaning what the registrant saw even when the organiser later edits the options.
    /// </summary>
    public static JsonNode? Read(IReadOnlyList<string> values, QuestionRecord q, string field, List<FieldError> errors)
    {
        var cleaned = new List<string>();
        foreach (var value in values)
        {
            if (Nfc(value.Replace("\r\n", "\n")) is not { } text) { errors.Add(new(field, "error.badCharacters")); return null; }
            if (text.Trim() is { Length: > 0 } trimmed) cleaned.Add(trimmed);
        }
        if (cleaned.Count == 0) return null;
        if (cleaned.Count > 1 && q.Kind != QuestionType.Multiple) { errors.Add(new(field, "error.oneValue")); return null; }
        var one = cleaned[0];
        switch (q.Kind)
        {
            case QuestionType.Text or QuestionType.LongText:
                if (one.Length > TextMax) errors.Add(new(field, "error.tooLong", TextMax));
                else if (!RegistrationValidator.IsCleanText(one, multiline: q.Kind == QuestionType.LongText))
                    errors.Add(new(field, "error.badCharacters"));
                else return one;
                return null;
            case QuestionType.Single:
                if (Option(q, one) is { } chosen) return chosen.Ja;
                errors.Add(new(field, "error.badChoice"));
                return null;
            case QuestionType.Multiple:
                var picked = cleaned.Select(v => Option(q, v)).ToList();
                if (picked.Any(p => p is null) || cleaned.Count > q.Options.Count)
                {
                    errors.Add(new(field, "error.badChoice"));
                    return null;
                }
                return new JsonArray(q.Options.Where(picked.Contains).Select(o => (JsonNode)o.Ja).ToArray());
            case QuestionType.Checkbox:
                if (one is "yes" or "true" or "on") return true;
                errors.Add(new(field, "error.badChoice"));
                return null;
            case QuestionType.Number:
                return Number(one, q, field, errors);
            case QuestionType.Date:
                if (Date(one) is { } date) return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                errors.Add(new(field, "error.date"));
                return null;
            default:
                errors.Add(new(field, "error.badChoice"));
                return null;
        }
    }

    static ChoiceOption? Option(QuestionRecord q, string value) =>
        q.Options.FirstOrDefault(o => o.Ja == value) ?? q.Options.FirstOrDefault(o => o.En.Length > 0 && o.En == value);

    /// <summary>Whole numbers; full-width digits (as a Japanese IME types them) and digit grouping are accepted.</summary>
    static JsonNode? Number(string text, QuestionRecord q, string field, List<FieldError> errors)
    {
        var plain = text.Normalize(NormalizationForm.FormKC).Replace(",", "").Replace("−", "-");
        if (!long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || Math.Abs(n) > NumberLimit)
        {
            errors.Add(new(field, "error.number"));
            return null;
        }
        if ((q.MinValue is { } min && n < min) || (q.MaxValue is { } max && n > max))
        {
            errors.Add(new(field, "error.range", q.MinValue?.ToString(CultureInfo.InvariantCulture) ?? "",
                q.MaxValue?.ToString(CultureInfo.InvariantCulture) ?? ""));
            return null;
        }
        return n;
    }

    /// <summary>yyyy-MM-dd as a date input sends it, or yyyy/M/d as people type it; years 1900–2100.</summary>
    static DateOnly? Date(string text)
    {
        var plain = text.Normalize(NormalizationForm.FormKC);
        return DateOnly.TryParseExact(plain, ["yyyy-MM-dd", "yyyy/M/d", "yyyy-M-d"], CultureInfo.InvariantCulture, DateTimeStyles.None,
            out var d) && d.Year is >= 1900 and <= 2100 ? d : null;
    }

    static string? Nfc(string text)
    {
        try { return text.Normalize(NormalizationForm.FormC); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The stored answers object; anything unreadable counts as no answers.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Parse(string? json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json ?? "{}") ?? [];
        }
        catch (JsonException)
        {
            return new Dictionary<string, JsonElement>();
        }
    }

    public static JsonElement? Get(this IReadOnlyDictionary<string, JsonElement> answers, string code) =>
        answers.TryGetValue(code, out var a) ? a : null;

    /// <summary>
    /// A stored answer as text, for the console, the CSV and mail: choices by their label in
    /// <paramref name="language"/> (several joined with "、"), a ticked checkbox as a word, the rest as written.
    /// </summary>
    public static string Display(JsonElement? answer, IReadOnlyList<ChoiceOption> options, string language)
    {
        if (answer is not { } a) return "";
        string Label(string ja) => options.FirstOrDefault(o => o.Ja == ja)?.Label(language) ?? ja;
        return a.ValueKind switch
        {
            JsonValueKind.String => Label(a.GetString() ?? ""),
            JsonValueKind.Array => string.Join("、", a.EnumerateArray().Select(x => Label(x.ToString()))),
            JsonValueKind.True => Text.Get("answer.checked", language),
            JsonValueKind.Number => a.GetRawText(),
            _ => "",
        };
    }

    /// <summary>A stored answer as the values of the form's inputs, to show a form again filled in.</summary>
    public static IReadOnlyList<string> Values(JsonElement? answer) => answer is not { } a ? [] : a.ValueKind switch
    {
        JsonValueKind.Array => a.EnumerateArray().Select(x => x.ToString()).ToList(),
        JsonValueKind.True => ["yes"],
        JsonValueKind.String or JsonValueKind.Number => [a.ToString()],
        _ => [],
    };
}

/// <summary>
/// What <c>Registrations/_QuestionFields.cshtml</c> draws: the questions, the values to show in them (as sent, or as
/// stored), and each field's error. <paramref name="Ticket"/>: the ticket is already known (a correction), so only
/// its questions are shown, with its required marks; null: every question, each saying which tickets it is for.
/// </summary>
public sealed record QuestionFields(
    IReadOnlyList<QuestionRecord> Questions, IReadOnlyDictionary<string, IReadOnlyList<string>>? Values,
    Func<string, string?> ErrorFor, IReadOnlyList<TicketTypeRecord> Tickets, string? Ticket = null)
{
    public IEnumerable<QuestionRecord> Shown => Ticket is null ? Questions : Questions.Where(q => q.IsAskedFor(Ticket));
    public bool IsRequired(QuestionRecord q) => Ticket is null ? q.IsRequiredForAll : q.IsRequiredFor(Ticket);
    public IReadOnlyList<string> ValuesOf(QuestionRecord q) => Values?.GetValueOrDefault(q.Code) ?? [];

    /// <summary>"For live tickets only"-style note when the form shows every ticket's questions.</summary>
    public string? TicketNote(QuestionRecord q, string language)
    {
        if (Ticket is not null) return null;
        string Names(string codes) => string.Join("、", QuestionRecord.Codes(codes)
            .Select(c => Tickets.FirstOrDefault(t => t.Code == c)?.Name(language) ?? c));
        string Say(string key, params object[] args) => string.Format(CultureInfo.InvariantCulture, Text.Get(key, language), args);
        var requiredForSome = q.Required && q.RequiredTickets.Length > 0
            && !QuestionRecord.Codes(q.RequiredTickets).Order().SequenceEqual(QuestionRecord.Codes(q.Tickets).Order());
        if (q.Tickets.Length > 0 && requiredForSome)
            return Say("question.forTicketsRequiredFor", Names(q.Tickets), Names(q.RequiredTickets));
        if (q.Tickets.Length > 0) return Say(q.Required ? "question.forTicketsRequired" : "question.forTickets", Names(q.Tickets));
        return q.Required && q.RequiredTickets.Length > 0 ? Say("question.requiredFor", Names(q.RequiredTickets)) : null;
    }
}
