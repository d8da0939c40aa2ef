using System.Text;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Admin;

/// <summary>One row of an invitee list that passed the registration form's rules.</summary>
public sealed record ImportLine(int Row, ValidRegistration Registration);

/// <summary>A problem with one row's field (row 0: the file), the column as the file names it, and the rule's message.</summary>
public sealed record ImportProblem(int Row, string Column, FieldError Error);

/// <summary>
/// Reads a list of invitees for <c>/admin/events/{slug}/registrations/import</c>: a header row naming the columns by
/// the form's labels in Japanese or English (姓 / Family name, 名, フリガナ, メールアドレス, 所属, 参加者区分, チケット, …)
/// and one column per custom question by its label or code; a category or a ticket by its code or its name; several
/// choices separated by 「、」 or ",". Every row is checked by the registration form's own rules in their staff mode
/// (<see cref="RegistrationValidator"/>), and every problem is listed. Consent is asked once for the whole list.
/// </summary>
public static class RegistrationImport
{
    public const int MaxBytes = 2 * 1024 * 1024, MaxRows = 5000;

    /// <summary>The form's fields, each with the headers that name it besides its own label.</summary>
    static readonly (string Field, string[] Aliases)[] Fields =
    [
        ("familyName", ["姓", "family name", "last name", "surname"]),
        ("givenName", ["名", "given name", "first name"]),
        ("reading", ["フリガナ", "ふりがな", "reading", "furigana"]),
        ("email", ["メールアドレス", "メール", "e-mail", "email", "mail"]),
        ("organization", ["所属", "organization", "organisation"]),
        ("category", ["参加者区分", "区分", "category"]),
        ("ticketType", ["チケット", "ticket"]),
        ("accessibility", ["合理的配慮", "accessibility"]),
        ("questions", ["登壇者への質問", "questions"]),
    ];

    static readonly string[] Needed = ["familyName", "givenName", "organization"];

    public static (List<ImportLine> Lines, List<ImportProblem> Problems) Read(string text, EventDetails details)
    {
        var lines = new List<ImportLine>();
        var problems = new List<ImportProblem>();
        using var parser = CsvFile.Parser(text);
        if (!parser.Read() || parser.Record is not { } header) return (lines, [File("staffImport.errorEmpty")]);
        var columns = Fields.ToDictionary(f => f.Field, f => CsvFile.Column(header,
            f.Aliases.Concat(Text.Languages.Select(l => Text.Get("field." + f.Field, l)))));
        var questions = details.Questions.Select(q => (Question: q, Column: CsvFile.Column(header, [q.Code, q.LabelJa, q.LabelEn])))
            .Where(q => q.Column >= 0).ToList();
        var missing = Needed.Where(f => columns[f] < 0).ToList();
        if (columns["ticketType"] < 0 && details.Tickets.Count != 1) missing.Add("ticketType");
        if (missing.Count > 0)
            return (lines, [File("staffImport.errorHeader", string.Join("、", missing.Select(f => Text.Get("field." + f, Text.Current))))]);
        // A problem names its column as the file does; a column it lacks (the reading, say) by the form's label.
        var named = columns.Where(c => c.Value >= 0).Select(c => (Field: c.Key, c.Value))
            .Concat(questions.Select(q => (Field: RegistrationValidator.AnswerField(q.Question.Code, fromForm: true), Value: q.Column)))
            .ToDictionary(c => c.Field, c => header[c.Value].Trim().TrimStart('\uFEFF'));
        string ColumnName(string field) => named.GetValueOrDefault(field) ?? Text.Get("field." + field, Text.Current);

        var addresses = new Dictionary<string, int>(StringComparer.Ordinal);
        while (parser.Read())
        {
            var row = parser.Row;
            if (row > MaxRows + 1) return (lines, [File("staffImport.errorTooMany", MaxRows)]);
            var cells = parser.Record ?? [];
            if (cells.All(string.IsNullOrWhiteSpace)) continue;
            string Cell(int i) => i >= 0 && i < cells.Length ? cells[i].Trim() : "";
            var input = new RegistrationInput
            {
                FamilyName = Cell(columns["familyName"]), GivenName = Cell(columns["givenName"]), Reading = Cell(columns["reading"]),
                Email = Cell(columns["email"]), Organization = Cell(columns["organization"]),
                Category = Code(Cell(columns["category"]), details.Categories.Select(c => (c.Code, c.NameJa, c.NameEn))),
                TicketType = columns["ticketType"] < 0 ? details.Tickets[0].Code
                    : Code(Cell(columns["ticketType"]), details.Tickets.Select(t => (t.Code, t.NameJa, t.NameEn))),
                Accessibility = Cell(columns["accessibility"]), Questions = Cell(columns["questions"]),
                Consent = true,   // asked once for the whole list, on the apply step
                Answers = questions.ToDictionary(q => q.Question.Code, q => Values(Cell(q.Column), q.Question)),
            };
            var (valid, errors) = RegistrationValidator.Validate(input, details, fromForm: true, byStaff: true);
            if (valid is { EmailNormalized.Length: > 0 } && !addresses.TryAdd(valid.EmailNormalized, row))
                errors.Add(new("email", "staffImport.errorSameAddress", addresses[valid.EmailNormalized]));
            problems.AddRange(errors.DistinctBy(e => e.Field).Select(e => new ImportProblem(row, ColumnName(e.Field), e)));
            if (errors.Count == 0) lines.Add(new ImportLine(row, valid!));
        }
        if (lines.Count == 0 && problems.Count == 0) problems.Add(File("staffImport.errorNoRows"));
        return (lines, problems);
    }

    static ImportProblem File(string key, params object[] args) => new(0, "", new FieldError("", key, args));

    /// <summary>A category's or a ticket's code, from its code or either of its names; anything else as it is (refused by the
    /// rules).</summary>
    static string Code(string value, IEnumerable<(string Code, string Ja, string En)> known) =>
        known.FirstOrDefault(k => new[] { k.Code, k.Ja, k.En }.Any(n => n.Length > 0 && string.Equals(n, value,
            StringComparison.OrdinalIgnoreCase))).Code ?? value;

    /// <summary>A cell as the form would send the question's field: choices split, a ticked checkbox as "yes".</summary>
    static IReadOnlyList<string> Values(string cell, QuestionRecord q) => q.Kind switch
    {
        QuestionType.Multiple => cell.Split(['、', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        QuestionType.Checkbox => cell.Normalize(NormalizationForm.FormKC).ToLowerInvariant() switch
        {
            "" or "0" or "no" or "false" or "×" or "いいえ" or "-" => [],
            "1" or "yes" or "true" or "on" or "○" or "◯" or "はい" or "y" => ["yes"],
            _ => [cell],   // refused by the rules as not a choice
        },
        _ => [cell],
    };
}
