using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

/// <summary>
/// How often each option of the event's choice questions (and a ticked checkbox) was chosen by active
/// registrations, for the registrations page's charts. An answer naming an option since renamed or removed
/// is counted under its own label, so the totals still add up.
/// </summary>
public static class AnswerCounts
{
    public sealed record Question(QuestionSpec Spec, IReadOnlyList<(string Label, int Count)> Bars, int Answered);

    const string Answers = $"""
        SELECT answers FROM registrations WHERE event_id = @eventId AND status <> '{RegistrationStatus.Cancelled}' AND answers <> '{"{}"}'
        """;

    public static async Task<IReadOnlyList<Question>> ReadAsync(Db db, EventSpec e, string language, CancellationToken ct)
    {
        var counted = e.Questions.Where(q => QuestionType.HasOptions(q.Kind) || q.Kind == QuestionType.Checkbox).ToList();
        if (counted.Count == 0) return [];
        var counts = counted.ToDictionary(q => q.Code, _ => new Dictionary<string, int>(StringComparer.Ordinal));
        var answered = counted.ToDictionary(q => q.Code, _ => 0);
        await using var connection = await db.OpenAsync(ct);
        await foreach (var json in connection.QueryUnbufferedAsync<string>(Answers, new { eventId = e.Id }).WithCancellation(ct))
        {
            var answers = RegistrationAnswers.Parse(json);
            foreach (var q in counted)
            {
                if (answers.Get(q.Code) is not { } a) continue;
                answered[q.Code]++;
                foreach (var c in RegistrationAnswers.Values(a)) counts[q.Code][c] = counts[q.Code].GetValueOrDefault(c) + 1;
            }
        }
        return counted.Select(q =>
        {
            var bars = q.Kind == QuestionType.Checkbox
                ? [(Localization.Text.Get("answer.checked", language), counts[q.Code].GetValueOrDefault("yes"))]
                : q.Options.Select(o => (o.Label(language), counts[q.Code].GetValueOrDefault(o.Ja)))
                    .Concat(counts[q.Code].Where(kv => q.Options.All(o => o.Ja != kv.Key)).Select(kv => (kv.Key, kv.Value)))
                    .ToList();
            return new Question(q, bars, answered[q.Code]);
        }).ToList();
    }
}
