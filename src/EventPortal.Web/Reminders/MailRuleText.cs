using System.Text.Json;
using System.Text.RegularExpressions;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Reminders;

/// <summary>
/// The organiser's own mail text: who a rule reaches when it is sent, and its placeholders filled in
/// for one registrant. The text is plain: placeholders are replaced as text, never compiled as a
/// template, so nothing an organiser types can run. A link the registrant does not have (the join
/// link of a recording ticket, the recording before it is set) becomes empty.
/// </summary>
public static partial class MailRuleText
{
    /// <summary>The placeholders an organiser may write, and the mail model's value each stands for.</summary>
    public static readonly IReadOnlyDictionary<string, string> Placeholders = new Dictionary<string, string>
    {
        ["name"] = "recipientName", ["eventTitle"] = "eventTitle", ["eventWhen"] = "eventWhen",
        ["manageUrl"] = "manageUrl", ["joinUrl"] = "joinUrl", ["watchUrl"] = "watchUrl", ["surveyUrl"] = "surveyUrl",
    };

    public static long? RuleId(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty("rule", out var id) && id.TryGetInt64(out var n) ? n : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether the rule is for this registration now: confirmed, its ticket kind, category and attendance.</summary>
    public static bool Reaches(ReminderRule rule, PersonalRegistration r) =>
        r.Status == rule.Status
        && (rule.Audience == "all" || rule.Audience == r.TicketKind || rule.Audience == ReminderRule.TicketPrefix + r.TicketCode)
        && (rule.Category is null || rule.Category == r.CategoryCode)
        && rule.Attendance switch
        {
            "attended" => r.Attended == true, "absent" => r.Attended == false, "unknown" => r.Attended is null,
            "not_attended" => r.Attended != true, _ => true,
        };

    /// <summary>The subject and body in <paramref name="language"/> (the other language's when this one is empty), filled in.</summary>
    public static (string Subject, string Body) Render(ReminderRule rule, string language, IReadOnlyDictionary<string, object?> model)
    {
        var (subject, body) = language == "en" ? (rule.SubjectEn, rule.BodyEn) : (rule.SubjectJa, rule.BodyJa);
        if (subject.Length == 0 && body.Length == 0)
            (subject, body) = language == "en" ? (rule.SubjectJa, rule.BodyJa) : (rule.SubjectEn, rule.BodyEn);
        return (Fill(subject, model), Fill(body, model));
    }

    /// <summary>
    /// Fills the placeholders; a line whose placeholders are all empty for this registrant (the survey's
    /// link while there is no survey, the join link of a recording ticket) is left out rather than sent half-empty.
    /// </summary>
    public static string Fill(string text, IReadOnlyDictionary<string, object?> model)
    {
        string? Value(string name) => Placeholders.TryGetValue(name, out var key) ? model.GetValueOrDefault(key)?.ToString() ?? "" : null;
        var lines = text.Split('\n').Where(line =>
            Placeholder().Matches(line).Select(m => Value(m.Groups[1].Value)).ToList() is not { Count: > 0 } values
            || values.Any(v => v is not "")).ToList();
        return Placeholder().Replace(string.Join('\n', lines), m => Value(m.Groups[1].Value) ?? m.Value);
    }

    /// <summary>Placeholders in a text that are not one of <see cref="Placeholders"/>, for the editor's error.</summary>
    public static IEnumerable<string> Unknown(string text) =>
        Placeholder().Matches(text).Select(m => m.Groups[1].Value).Where(n => !Placeholders.ContainsKey(n)).Distinct();

    public const int SubjectMax = 150, BodyMax = 10_000;

    /// <summary>
    /// What is wrong with a rule (field name relative to the rule, text key, arguments): a choice that is not
    /// one, a category the event does not have, a text too long, with control characters or an unknown placeholder.
    /// </summary>
    public static IEnumerable<FieldError> Problems(ReminderRule rule, IReadOnlyCollection<string> categories,
        IReadOnlyCollection<string> tickets)
    {
        var ticket = rule.Audience.StartsWith(ReminderRule.TicketPrefix, StringComparison.Ordinal)
            ? rule.Audience[ReminderRule.TicketPrefix.Length..] : null;
        if (!ReminderRule.Audiences.Contains(rule.Audience) && !(ticket is not null && tickets.Contains(ticket)))
            yield return new("audience", "error.audience");
        if (!ReminderRule.Statuses.Contains(rule.Status)) yield return new("status", "error.badChoice");
        // The built-in reminder is for confirmed registrations: the waitlist is written to in the organiser's words.
        else if (rule.Status == RegistrationStatus.Waitlisted && !rule.Written) yield return new("subjectJa", "error.mailRuleText");
        if (!ReminderRule.Anchors.Contains(rule.Anchor)) yield return new("anchor", "error.badChoice");
        if (!ReminderRule.Attendances.Contains(rule.Attendance)) yield return new("attendance", "error.badChoice");
        if (rule.Category is { } c && !categories.Contains(c)) yield return new("category", "error.badChoice");
        foreach (var (field, text, max) in new[]
        {
            ("subjectJa", rule.SubjectJa, SubjectMax), ("bodyJa", rule.BodyJa, BodyMax),
            ("subjectEn", rule.SubjectEn, SubjectMax), ("bodyEn", rule.BodyEn, BodyMax),
        })
        {
            if (text.Length > max) yield return new(field, "error.tooLong", max);
            else if (!RegistrationValidator.IsCleanText(text, multiline: field.StartsWith("body", StringComparison.Ordinal)))
                yield return new(field, "error.badCharacters");
            else if (Unknown(text).FirstOrDefault() is { } unknown) yield return new(field, "error.placeholder", unknown);
        }
        // A written rule needs a subject and a body in at least one language.
        if (rule.Written && !(rule.SubjectJa.Length > 0 && rule.BodyJa.Length > 0 || rule.SubjectEn.Length > 0 && rule.BodyEn.Length > 0))
            yield return new("subjectJa", "error.mailRuleText");
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
