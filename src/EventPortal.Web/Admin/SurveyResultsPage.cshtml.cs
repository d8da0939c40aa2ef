using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Surveys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/survey-results</c>: per question, the count of each answer overall and per
/// category (a chart and the same numbers in a table), the scale's mean, the free texts listed; and
/// <c>…/survey-results/csv</c>, one row per response for Excel (the attendee list's rules: BOM, CRLF,
/// formulas neutralised). An anonymous survey's results and file carry no names, numbers or addresses.
/// </summary>
public sealed class SurveyResultsPageModel(Db db) : PageModel
{
    public EventSpec Event { get; private set; } = null!;
    public Survey Survey { get; private set; } = null!;
    public IReadOnlyList<Answered> Responses { get; private set; } = [];

    public sealed class Answered
    {
        public long? RegistrationId { get; init; }
        public string? CategoryCode { get; init; }
        public string Answers { get; init; } = "{}";
        public DateTime UpdatedAt { get; init; }
        public string? FamilyName { get; init; }
        public string? GivenName { get; init; }
        public string? Email { get; init; }

        Dictionary<string, JsonElement>? _parsed;
        public JsonElement? Answer(SurveyQuestion q)
        {
            _parsed ??= JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Answers) ?? [];
            return _parsed.TryGetValue(q.Id.ToString(CultureInfo.InvariantCulture), out var a) ? a : null;
        }
    }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    public async Task<IActionResult> OnGetCsvAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var language = Text.Current;
        var named = !Survey.Anonymous;
        var text = new StringBuilder("\uFEFF");
        string[] names = ["adminRegistrations.colId", "adminRegistrations.colFamilyName", "adminRegistrations.colGivenName",
            "adminRegistrations.colEmail"];
        Csv.AppendRow(text, (named ? names : [])
            .Concat(["adminRegistrations.colCategory", "surveyAdmin.colAnsweredAt"]).Select(k => Text.Get(k, language))
            .Concat(Survey.Questions.Select(q => q.Label(language))));
        foreach (var r in Responses)
            Csv.AppendRow(text, (named ? new[] { r.RegistrationId?.ToString(CultureInfo.InvariantCulture) ?? "", r.FamilyName ?? "",
                    r.GivenName ?? "", r.Email ?? "" } : [])
                .Concat([Event.CategoryName(r.CategoryCode, language), EventTime.Stamp(r.UpdatedAt, Event.TimeZone)])
                .Concat(Survey.Questions.Select(q => SurveyAnswers.Cell(r.Answer(q), q, language))));
        Response.Headers.CacheControl = "no-store";
        Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileName = $"survey-{string.Concat(Event.Slug.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'))}.csv",
        }.ToString();
        await Audit.RecordAsync(db, HttpContext, "survey.export", Event.Slug, $"rows={Responses.Count}", DateTime.UtcNow);
        return File(new UTF8Encoding(false).GetBytes(text.ToString()), "text/csv; charset=utf-8");
    }

    /// <summary>Each option's count (for a scale: 1–5) among <paramref name="responses"/>.</summary>
    public static int[] Counts(SurveyQuestion q, IEnumerable<Answered> responses)
    {
        var counts = new int[q.Kind == QuestionKind.Scale ? 5 : q.Options.Count];
        foreach (var a in responses.Select(r => r.Answer(q)).OfType<JsonElement>())
        {
            var picked = a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList() : [a];
            foreach (var p in picked)
                if (p.TryGetInt32(out var i) && (q.Kind == QuestionKind.Scale ? i - 1 : i) is var k && k >= 0 && k < counts.Length)
                    counts[k]++;
        }
        return counts;
    }

    /// <summary>The categories the results are split by: the event's, then "none" when some response has none of them.</summary>
    public IReadOnlyList<(string? Code, string Label)> Categories(string language)
    {
        var list = Event.Categories.Select(c => ((string?)c.Code, c.Name(language))).ToList();
        if (Responses.Any(r => r.CategoryCode is null || !Event.Categories.Any(c => c.Code == r.CategoryCode)))
            list.Add((null, Text.Get("adminRegistrations.noCategory", language)));
        return list;
    }

    public IEnumerable<Answered> InCategory(string? code) =>
        Responses.Where(r => code is null
            ? r.CategoryCode is null || !Event.Categories.Any(c => c.Code == r.CategoryCode)
            : r.CategoryCode == code);

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        if (await EventSpec.LoadAsync(c, null, slug, ct) is not { } e) return false;
        if (await SurveyStore.LoadAsync(c, null, e.Id, ct) is not { } survey) return false;
        (Event, Survey) = (e, survey);
        Responses = (await c.QueryAsync<Answered>(new CommandDefinition("""
            SELECT s.registration_id, s.category_code, s.answers, s.updated_at, r.family_name, r.given_name, r.email
            FROM survey_responses s LEFT JOIN registrations r ON r.id = s.registration_id
            WHERE s.event_id = @Id ORDER BY s.id
            """, new { e.Id }, cancellationToken: ct))).AsList();
        return true;
    }
}
