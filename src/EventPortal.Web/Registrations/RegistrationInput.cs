using System.Text;
using System.Text.Json.Nodes;
using EventPortal.Web.Events;

namespace EventPortal.Web.Registrations;

/// <summary>What a person sent, from the form or the JSON API, before any checking.</summary>
public sealed record RegistrationInput
{
    public string? FamilyName { get; init; }
    public string? GivenName { get; init; }
    public string? Reading { get; init; }
    public string? Email { get; init; }
    public string? EmailConfirmation { get; init; }
    public string? Organization { get; init; }
    public string? Category { get; init; }
    public string? TicketType { get; init; }
    public string? Accessibility { get; init; }
    public string? Questions { get; init; }
    public bool Consent { get; init; }
    /// <summary>Custom questions' answers by question code: one value, several for a multiple choice.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Answers { get; init; }

    /// <summary>
    /// A registration form as a browser sent it: the public form, the personal page's corrections and the console's
    /// staff entry all name their fields alike (an absent field is null; answers under <c>q-{code}</c>).
    /// </summary>
    public static RegistrationInput FromForm(IFormCollection form, IReadOnlyList<QuestionRecord> questions) => new()
    {
        FamilyName = form["familyName"], GivenName = form["givenName"], Reading = form["reading"],
        Email = form["email"], EmailConfirmation = form["emailConfirmation"], Organization = form["organization"],
        Category = form["category"], TicketType = form["ticketType"], Accessibility = form["accessibility"],
        Questions = form["questions"], Consent = form["consent"] == "yes",
        Answers = questions.ToDictionary(q => q.Code, IReadOnlyList<string> (q) =>
            form[RegistrationValidator.AnswerField(q.Code, fromForm: true)].Select(v => v ?? "").ToList()),
    };
}

/// <summary>A registration that passed every check, with its text cleaned.</summary>
public sealed record ValidRegistration(
    string FamilyName, string GivenName, string Reading, string Email, string EmailNormalized,
    string Organization, string? Category, TicketTypeRecord Ticket, string Accessibility,
    string Questions, JsonObject Answers);

/// <summary>One problem with one field: the field's name as the form and the API spell it, and a text key.</summary>
public sealed record FieldError(string Field, string Key, params object[] Args);

/// <summary>
/// The rules for a registration, shared by the form and the API. The form asks for more
/// (reading, e-mail twice, category); the API keeps its published body small. Staff entering
/// someone from the console or an import (<c>byStaff</c>) may leave out the address, the reading
/// and the category (a person who applied by phone or FAX may have none to give), and give the
/// address once; consent is still required (staff confirm the person agreed).
/// </summary>
public static class RegistrationValidator
{
    public const int NameMax = 50, ReadingMax = 100, OrganizationMax = 100, LongTextMax = 2000, AnswersMax = 20;

    /// <param name="addressRequired">Whether an address must be given; by default unless staff enter it. A correction of
    /// someone staff entered without one needs none (<see cref="Corrections.Check"/>).</param>
    public static (ValidRegistration? Valid, List<FieldError> Errors) Validate(RegistrationInput input, EventDetails details, bool fromForm,
        bool byStaff = false, bool? addressRequired = null)
    {
        var needAddress = addressRequired ?? !byStaff;
        // Checked in the order the form shows the fields, so the error summary reads top to bottom.
        var errors = new List<FieldError>();
        var familyName = Line(input.FamilyName, "familyName", NameMax, required: true, errors);
        var givenName = Line(input.GivenName, "givenName", NameMax, required: true, errors);

        var reading = Kana.ToKatakana(Line(input.Reading, "reading", ReadingMax, required: fromForm && !byStaff, errors));
        if (reading.Length > 0 && !errors.Any(e => e.Field == "reading") && !Kana.IsKatakana(reading))
            errors.Add(new("reading", "error.katakana"));

        var email = EmailAddress.Clean(Line(input.Email, "email", 254, required: needAddress, errors));
        if (email.Length > 0 && !errors.Any(e => e.Field == "email") && !EmailAddress.IsValid(email))
            errors.Add(new("email", "error.email"));
        if ((fromForm && !byStaff && needAddress) || input.EmailConfirmation is not null)
        {
            var confirmation = EmailAddress.Clean(input.EmailConfirmation ?? "");
            if (confirmation.Length == 0) errors.Add(new("emailConfirmation", "error.required"));
            else if (email.Length > 0
                && !string.Equals(EmailAddress.Normalize(confirmation), EmailAddress.Normalize(email), StringComparison.Ordinal))
                errors.Add(new("emailConfirmation", "error.emailMismatch"));
        }

        var organization = Line(input.Organization, "organization", OrganizationMax, required: true, errors);

        string? category = input.Category?.Trim();
        if (string.IsNullOrEmpty(category))
        {
            category = null;
            if (fromForm && !byStaff && details.Categories.Count > 0) errors.Add(new("category", "error.required"));
        }
        else if (!details.Categories.Any(c => c.Code == category))
            errors.Add(new("category", "error.unknownCategory"));

        var ticket = details.Tickets.FirstOrDefault(t => t.Code == input.TicketType?.Trim());
        if (string.IsNullOrWhiteSpace(input.TicketType)) errors.Add(new("ticketType", "error.required"));
        else if (ticket is null) errors.Add(new("ticketType", "error.unknownTicket"));

        var accessibility = Block(input.Accessibility, "accessibility", LongTextMax, errors);
        var questions = Block(input.Questions, "questions", LongTextMax, errors);
        var answers = Answers(input.Answers, details.Questions, ticket?.Code, fromForm, errors);
        if (!input.Consent) errors.Add(new("consent", "error.consent"));

        if (errors.Count > 0 || ticket is null) return (null, errors);
        return (new ValidRegistration(familyName, givenName, reading, email, EmailAddress.Normalize(email),
            organization, category, ticket, accessibility, questions, answers), errors);
    }

    static string Line(string? value, string field, int max, bool required, List<FieldError> errors)
    {
        if (Nfc(value ?? "") is not { } normalized) { errors.Add(new(field, "error.badCharacters")); return ""; }
        var text = normalized.Trim();
        if (text.Length == 0)
        {
            if (required) errors.Add(new(field, "error.required"));
            return "";
        }
        if (text.Length > max) errors.Add(new(field, "error.tooLong", max));
        else if (!IsCleanText(text, multiline: false)) errors.Add(new(field, "error.badCharacters"));
        return text;
    }

    static string Block(string? value, string field, int max, List<FieldError> errors)
    {
        if (Nfc((value ?? "").Replace("\r\n", "\n")) is not { } normalized) { errors.Add(new(field, "error.badCharacters")); return ""; }
        var text = normalized.Trim();
        if (text.Length > max) errors.Add(new(field, "error.tooLong", max));
        else if (!IsCleanText(text, multiline: true)) errors.Add(new(field, "error.badCharacters"));
        return text;
    }

    /// <summary>The form field of a custom question (<c>q-{code}</c>), or its API name (<c>answers.{code}</c>).</summary>
    public static string AnswerField(string code, bool fromForm) => fromForm ? "q-" + code : "answers." + code;

    /// <summary>
    /// Answers to the event's custom questions, each checked by its type (<see cref="RegistrationAnswers.Read"/>):
    /// the ones required for the chosen ticket answered, and no answers to questions the event does not ask. An
    /// answer to a question not asked for the chosen ticket is an error from the API and dropped from the form
    /// (where the question is shown for every ticket). Empty answers are dropped.
    /// </summary>
    static JsonObject Answers(IReadOnlyDictionary<string, IReadOnlyList<string>>? answers, IReadOnlyList<QuestionRecord> questions,
        string? ticketCode, bool fromForm, List<FieldError> errors)
    {
        var result = new JsonObject();
        answers ??= new Dictionary<string, IReadOnlyList<string>>();
        if (answers.Count > AnswersMax) { errors.Add(new("answers", "error.tooMany", AnswersMax)); return result; }
        foreach (var key in answers.Keys)
        {
            if (key.Length is 0 or > 64 || !IsCleanText(key, multiline: false))
            {
                errors.Add(new("answers", "error.badCharacters"));
                return result;
            }
            if (questions.All(q => q.Code != key)) { errors.Add(new("answers", "error.unknownQuestion", key)); return result; }
        }
        foreach (var question in questions)
        {
            var field = AnswerField(question.Code, fromForm);
            var values = answers.GetValueOrDefault(question.Code) ?? [];
            if (values.Count > RegistrationAnswers.ValuesMax) { errors.Add(new(field, "error.badChoice")); continue; }
            if (!question.IsAskedFor(ticketCode))
            {
                if (!fromForm && ticketCode is not null && values.Any(v => !string.IsNullOrWhiteSpace(v)))
                    errors.Add(new(field, "error.notAskedForTicket"));
                continue;
            }
            if (RegistrationAnswers.Read(values, question, field, errors) is { } answer) result[question.Code] = answer;
            else if (question.IsRequiredFor(ticketCode) && !errors.Any(e => e.Field == field)) errors.Add(new(field, "error.required"));
        }
        return result;
    }

    /// <summary>NFC, or null where .NET refuses to normalise (noncharacters such as U+FFFE, lone surrogates).</summary>
    static string? Nfc(string text)
    {
        try { return text.Normalize(NormalizationForm.FormC); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>
    /// No control characters (newlines and tabs only in multi-line text), no bidirectional
    /// overrides or isolates (they make a name display as something else), no lone surrogates,
    /// no noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF).
    /// </summary>
    public static bool IsCleanText(string text, bool multiline)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
                i++;
                continue;
            }
            if (char.IsLowSurrogate(c)) return false;
            if (multiline && c is '\n' or '\t') continue;
            if (char.IsControl(c)) return false;
            if (c is '\uFFFE' or '\uFFFF' or (>= '\uFDD0' and <= '\uFDEF')) return false;   // noncharacters
            if (c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C') return false;
        }
        return true;
    }
}
