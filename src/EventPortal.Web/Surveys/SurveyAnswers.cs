using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.Primitives;

namespace EventPortal.Web.Surveys;

/// <summary>
/// Reads a survey form as a browser sends it (field <c>q{id}</c>: an option's index, several for a
/// multiple choice, 1–5 for a scale, text) into the stored answers, checking each against its question:
/// a value that is not one of the choices, a scale outside 1–5, a text too long or with control
/// characters, a required question left empty. Nothing is stored while one is wrong.
/// </summary>
public static class SurveyAnswers
{
    public const int TextMax = 2000;

    public static (JsonObject Answers, List<FieldError> Errors) Read(Survey survey, Func<string, StringValues> form)
    {
        var answers = new JsonObject();
        var errors = new List<FieldError>();
        foreach (var q in survey.Questions)
        {
            var field = $"q{q.Id}";
            var values = form(field).Select(v => (v ?? "").Trim()).Where(v => v.Length > 0).ToList();
            if (values.Count == 0)
            {
                if (q.Required) errors.Add(new(field, "error.required"));
                continue;
            }
            switch (q.Kind)
            {
                case QuestionKind.Single when values.Count == 1 && Index(values[0], q.Options.Count) is { } i:
                    answers[q.Id.ToString(CultureInfo.InvariantCulture)] = i;
                    break;
                case QuestionKind.Multiple when values.Count <= q.Options.Count
                    && values.Select(v => Index(v, q.Options.Count)).ToList() is var picked && picked.All(p => p is not null):
                    answers[q.Id.ToString(CultureInfo.InvariantCulture)] =
                        new JsonArray(picked.Select(p => p!.Value).Distinct().Order().Select(p => (JsonNode)p).ToArray());
                    break;
                case QuestionKind.Scale when values.Count == 1 && Index(values[0], 6) is { } n && n >= 1:
                    answers[q.Id.ToString(CultureInfo.InvariantCulture)] = n;
                    break;
                case QuestionKind.Text when values.Count == 1:
                    var text = values[0].Replace("\r\n", "\n");
                    if (text.Length > TextMax) errors.Add(new(field, "error.tooLong", TextMax));
                    else if (!RegistrationValidator.IsCleanText(text, multiline: true)) errors.Add(new(field, "error.badCharacters"));
                    else answers[q.Id.ToString(CultureInfo.InvariantCulture)] = text;
                    break;
                default:
                    errors.Add(new(field, "error.badChoice"));
                    break;
            }
        }
        return (answers, errors);
    }

    static int? Index(string value, int count) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < count ? i : null;

    /// <summary>An answer as the form shows it again: the values of its inputs.</summary>
    public static IReadOnlyList<string> Values(IReadOnlyDictionary<string, JsonElement>? answers, SurveyQuestion q)
    {
        if (answers is null || !answers.TryGetValue(q.Id.ToString(CultureInfo.InvariantCulture), out var a)) return [];
        return a.ValueKind switch
        {
            JsonValueKind.Array => a.EnumerateArray().Select(x => x.ToString()).ToList(),
            JsonValueKind.Number or JsonValueKind.String => [a.ToString()],
            _ => [],
        };
    }

    /// <summary>An answer as a spreadsheet cell: option labels (several joined with "、"), the scale's number, the text.</summary>
    public static string Cell(JsonElement? answer, SurveyQuestion q, string language)
    {
        if (answer is not { } a) return "";
        string Option(JsonElement x) => x.TryGetInt32(out var i) && i >= 0 && i < q.Options.Count ? q.Options[i].Label(language) : "";
        return q.Kind switch
        {
            QuestionKind.Single when a.ValueKind == JsonValueKind.Number => Option(a),
            QuestionKind.Multiple when a.ValueKind == JsonValueKind.Array => string.Join("、", a.EnumerateArray().Select(Option)),
            QuestionKind.Scale or QuestionKind.Text => a.ToString(),
            _ => "",
        };
    }
}
