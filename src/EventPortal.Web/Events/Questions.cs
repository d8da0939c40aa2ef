namespace EventPortal.Web.Events;

/// <summary>The kinds of question an organiser can add to the registration form.</summary>
public static class QuestionType
{
    public const string Text = "text", LongText = "longtext", Single = "single", Multiple = "multiple", Checkbox = "checkbox",
        Number = "number", Date = "date";

    public static readonly string[] All = [Text, LongText, Single, Multiple, Checkbox, Number, Date];
    public static bool HasOptions(string kind) => kind is Single or Multiple;
}

/// <summary>One choice of a choice question (a registration question or a survey question), in Japanese and English.</summary>
public sealed record ChoiceOption(string Ja, string En)
{
    public string Label(string language) => language == "en" && En.Length > 0 ? En : Ja;
}

/// <summary>
/// A custom question of the registration form, as a row of <c>event_questions</c>; its answers go to
/// <c>registrations.answers</c> (<see cref="Registrations.RegistrationAnswers"/>). <see cref="Tickets"/>
/// and <see cref="RequiredTickets"/> are comma-separated ticket codes; empty means every ticket.
/// </summary>
public sealed class QuestionRecord
{
    public string Code { get; init; } = "";
    public string Kind { get; init; } = QuestionType.Text;
    public string LabelJa { get; init; } = "";
    public string LabelEn { get; init; } = "";
    public string HelpJa { get; init; } = "";
    public string HelpEn { get; init; } = "";
    public bool Required { get; init; }
    public IReadOnlyList<ChoiceOption> Options { get; init; } = [];
    public long? MinValue { get; init; }
    public long? MaxValue { get; init; }
    public string Tickets { get; init; } = "";
    public string RequiredTickets { get; init; } = "";

    public string Label(string language) => language == "en" && LabelEn.Length > 0 ? LabelEn : LabelJa;
    public string Help(string language) => language == "en" && HelpEn.Length > 0 ? HelpEn : HelpJa;

    /// <summary>The ticket codes the question is asked for; empty: every ticket.</summary>
    public IReadOnlyList<string> AskedTickets => Codes(Tickets);

    public bool IsAskedFor(string? ticketCode) => Tickets.Length == 0 || (ticketCode is not null && AskedTickets.Contains(ticketCode));

    /// <summary>Required for this ticket: marked required, and the ticket is one it is required for.</summary>
    public bool IsRequiredFor(string? ticketCode) =>
        Required && IsAskedFor(ticketCode)
            && (RequiredTickets.Length == 0 || (ticketCode is not null && Codes(RequiredTickets).Contains(ticketCode)));

    /// <summary>Required whatever the ticket (the form marks the field required only then).</summary>
    public bool IsRequiredForAll => Required && Tickets.Length == 0 && RequiredTickets.Length == 0;

    public static IReadOnlyList<string> Codes(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The columns, for the SELECTs that read questions (EventQueries, EventSpec).</summary>
    public const string Columns =
        "code, kind, label_ja, label_en, help_ja, help_en, required, options, min_value, max_value, tickets, required_tickets";
}
