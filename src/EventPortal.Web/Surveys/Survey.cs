using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Events;

namespace EventPortal.Web.Surveys;

public static class SurveyStatus
{
    public const string Draft = "draft", Open = "open", Closed = "closed";
    public static readonly string[] All = [Draft, Open, Closed];
}

public static class QuestionKind
{
    public const string Single = "single", Multiple = "multiple", Scale = "scale", Text = "text";
    public static readonly string[] All = [Single, Multiple, Scale, Text];
    public static bool HasOptions(string kind) => kind is Single or Multiple;
}

public sealed record SurveyQuestion(
    long Id, string Kind, bool Required, string LabelJa, string LabelEn, IReadOnlyList<ChoiceOption> Options)
{
    public string Label(string language) => language == "en" && LabelEn.Length > 0 ? LabelEn : LabelJa;
}

/// <summary>An event's survey: its state, whether it is anonymous, its introduction and its questions in order.</summary>
public sealed record Survey(
    long EventId, string Status, bool Anonymous, string IntroJa, string IntroEn, IReadOnlyList<SurveyQuestion> Questions)
{
    public string Intro(string language) => language == "en" && IntroEn.Length > 0 ? IntroEn : IntroJa;
    public bool IsOpen => Status == SurveyStatus.Open;
}

/// <summary>
/// The survey's SQL. Questions keep their ids when edited (answers are keyed by them); a question
/// removed takes its answers out of the results, which read only the questions there are.
/// </summary>
public static class SurveyStore
{
    sealed class Head
    {
        public string Status { get; init; } = SurveyStatus.Draft;
        public bool Anonymous { get; init; }
        public string IntroJa { get; init; } = "";
        public string IntroEn { get; init; } = "";
    }

    sealed class Row
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public bool Required { get; init; }
        public string LabelJa { get; init; } = "";
        public string LabelEn { get; init; } = "";
        public string Options { get; init; } = "[]";
    }

    public static async Task<Survey?> LoadAsync(DbConnection c, DbTransaction? tx, long eventId, CancellationToken ct)
    {
        var head = await c.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(
            "SELECT status, anonymous, intro_ja, intro_en FROM surveys WHERE event_id = @eventId",
            new { eventId }, tx, cancellationToken: ct));
        if (head is null) return null;
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            "SELECT id, kind, required, label_ja, label_en, options FROM survey_questions WHERE event_id = @eventId ORDER BY position, id",
            new { eventId }, tx, cancellationToken: ct));
        return new Survey(eventId, head.Status, head.Anonymous, head.IntroJa, head.IntroEn, rows.Select(r => new SurveyQuestion(
            r.Id, r.Kind, r.Required, r.LabelJa, r.LabelEn, JsonSerializer.Deserialize<List<ChoiceOption>>(r.Options) ?? [])).ToList());
    }

    /// <summary>Saves the survey's settings and questions (keeping the ids of questions it still has); the state stays.</summary>
    public static async Task SaveAsync(DbConnection c, DbTransaction tx, Survey survey, DateTime now, CancellationToken ct)
    {
        var eventId = survey.EventId;
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO surveys (event_id, anonymous, intro_ja, intro_en, updated_at)
            VALUES (@eventId, @Anonymous, @IntroJa, @IntroEn, @now)
            ON CONFLICT (event_id) DO UPDATE SET anonymous = @Anonymous, intro_ja = @IntroJa, intro_en = @IntroEn, updated_at = @now
            """, new { eventId, survey.Anonymous, survey.IntroJa, survey.IntroEn, now }, tx, cancellationToken: ct));
        var existing = (await c.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM survey_questions WHERE event_id = @eventId", new { eventId }, tx, cancellationToken: ct))).ToHashSet();
        var kept = new HashSet<long>();
        for (var i = 0; i < survey.Questions.Count; i++)
        {
            var q = survey.Questions[i];
            var args = new
            {
                eventId, q.Id, position = i, q.Kind, q.Required, q.LabelJa, q.LabelEn, options = JsonSerializer.Serialize(q.Options),
            };
            if (existing.Contains(q.Id) && kept.Add(q.Id))
                await c.ExecuteAsync(new CommandDefinition("""
                    UPDATE survey_questions SET position = @position, kind = @Kind, required = @Required, label_ja = @LabelJa,
                        label_en = @LabelEn, options = @options WHERE id = @Id AND event_id = @eventId
                    """, args, tx, cancellationToken: ct));
            else
                await c.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO survey_questions (event_id, position, kind, required, label_ja, label_en, options)
                    VALUES (@eventId, @position, @Kind, @Required, @LabelJa, @LabelEn, @options)
                    """, args, tx, cancellationToken: ct));
        }
        foreach (var gone in existing.Except(kept))
            await c.ExecuteAsync(new CommandDefinition(
                "DELETE FROM survey_questions WHERE id = @gone", new { gone }, tx, cancellationToken: ct));
    }

    public static Task<int> SetStatusAsync(DbConnection c, DbTransaction tx, long eventId, string status, DateTime now,
        CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition("UPDATE surveys SET status = @status, updated_at = @now WHERE event_id = @eventId",
            new { eventId, status, now }, tx, cancellationToken: ct));

    /// <summary>Whether the event's survey takes answers now (one small read: no questions).</summary>
    public static async Task<bool> IsOpenAsync(DbConnection c, long eventId, CancellationToken ct) =>
        await c.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT status FROM surveys WHERE event_id = @eventId", new { eventId }, cancellationToken: ct)) == SurveyStatus.Open;

    public static Task<int> ResponseCountAsync(DbConnection c, DbTransaction? tx, long eventId, CancellationToken ct) =>
        c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM survey_responses WHERE event_id = @eventId", new { eventId }, tx, cancellationToken: ct));

    /// <summary>A registration's answers (question id → value), or null before it answered.</summary>
    public static async Task<Dictionary<string, JsonElement>?> AnswersAsync(DbConnection c, long registrationId, CancellationToken ct)
    {
        var json = await c.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT answers FROM survey_responses WHERE registration_id = @registrationId", new { registrationId }, cancellationToken: ct));
        return json is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json);
    }

    const string Upsert = """
        INSERT INTO survey_responses (event_id, registration_id, category_code, answers, created_at, updated_at)
        VALUES (@eventId, @registrationId, @category, @answers, @now, @now)
        ON CONFLICT (registration_id) DO UPDATE SET answers = @answers, category_code = @category, updated_at = @now
        """;

    public static Task SaveResponseAsync(DbConnection c, DbTransaction tx, long eventId, long registrationId, string? category,
        string answers, DateTime now, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(Upsert, new { eventId, registrationId, category, answers, now }, tx, cancellationToken: ct));
}
