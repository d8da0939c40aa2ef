using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using EventPortal.Web.Surveys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/survey</c>: the organiser builds the event's survey (questions in rows: kind,
/// required, labels in Japanese and English, options one per line as <c>日本語 | English</c>), copies one
/// from an earlier event, makes it anonymous, and opens or closes it. Registrants answer at <c>/s/{token}</c>;
/// the link goes out with <c>{{surveyUrl}}</c> in a mail rule and is on the personal page while it is open.
/// </summary>
public sealed class SurveyPageModel(Db db, TimeProvider clock) : PageModel
{
    /// <summary>The audit log's actions.</summary>
    const string SaveAction = "event.survey", StatusAction = "event.survey_status";

    public const int MaxQuestions = 20, LabelMax = 300, OptionMax = 100, MaxOptions = 20, IntroMax = 2000;

    public EventSpec Event { get; private set; } = null!;
    public Survey? Survey { get; private set; }
    public int Responses { get; private set; }
    /// <summary>Earlier events with a survey, to copy from: (slug, title).</summary>
    public IReadOnlyList<(string Slug, string Title)> Others { get; private set; } = [];
    public string? NoticeKey { get; private set; }
    public FieldError? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        NoticeKey = done is "saved" or "open" or "closed" or "draft" or "copied" ? "surveyAdmin.done." + done : null;
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var form = Request.Form;
        var questions = new List<SurveyQuestion>();
        for (var i = 0; i < MaxQuestions + 5; i++)
        {
            string F(string name) => form[$"{name}{i}"].ToString().Trim();
            var (labelJa, labelEn) = (F("labelJa"), F("labelEn"));
            if (labelJa.Length == 0 && labelEn.Length == 0) continue;
            var kind = F("kind");
            var options = form[$"options{i}"].ToString().Replace("\r\n", "\n").Split('\n')
                .Select(l => l.Trim()).Where(l => l.Length > 0)
                .Select(l => l.Split('|', 2) is var p ? new ChoiceOption(p[0].Trim(), p.Length > 1 ? p[1].Trim() : "") : null!).ToList();
            var row = $"row{i}";
            if (questions.Count >= MaxQuestions) return Refuse(new(row, "error.tooMany", MaxQuestions));
            if (!QuestionKind.All.Contains(kind)) return Refuse(new(row, "error.badChoice"));
            if (labelJa.Length == 0) return Refuse(new(row, "surveyAdmin.errorLabel"));
            if (new[] { labelJa, labelEn }.Concat(options.SelectMany(o => new[] { o.Ja, o.En }))
                .Any(t => !RegistrationValidator.IsCleanText(t, multiline: false)))
                return Refuse(new(row, "error.badCharacters"));
            if (labelJa.Length > LabelMax || labelEn.Length > LabelMax) return Refuse(new(row, "error.tooLong", LabelMax));
            if (QuestionKind.HasOptions(kind) && (options.Count is < 2 or > MaxOptions || options.Any(o => o.Ja.Length == 0)))
                return Refuse(new(row, "surveyAdmin.errorOptions", MaxOptions));
            if (options.Any(o => o.Ja.Length > OptionMax || o.En.Length > OptionMax)) return Refuse(new(row, "error.tooLong", OptionMax));
            _ = long.TryParse(F("id"), out var id);
            questions.Add(new SurveyQuestion(id, kind, form[$"required{i}"] == "yes", labelJa, labelEn,
                QuestionKind.HasOptions(kind) ? options : []));
        }
        string Text(string name) => form[name].ToString().Replace("\r\n", "\n").Trim();
        var (introJa, introEn) = (Text("introJa"), Text("introEn"));
        if (introJa.Length > IntroMax || introEn.Length > IntroMax) return Refuse(new("intro", "error.tooLong", IntroMax));
        if (!RegistrationValidator.IsCleanText(introJa, multiline: true) || !RegistrationValidator.IsCleanText(introEn, multiline: true))
            return Refuse(new("intro", "error.badCharacters"));
        var survey = new Survey(Event.Id, Survey?.Status ?? SurveyStatus.Draft, form["anonymous"] == "yes", introJa, introEn, questions);
        // Once people have answered: an anonymous survey stays anonymous (they were told so), and an answered
        // question keeps its kind and options (answers are stored as option numbers); labels may still be mended.
        if (Responses > 0 && Survey is { } before)
        {
            if (before.Anonymous && !survey.Anonymous) return Refuse(new("anonymous", "surveyAdmin.errorStaysAnonymous"));
            for (var i = 0; i < questions.Count; i++)
                if (before.Questions.FirstOrDefault(q => q.Id == questions[i].Id) is { } old && (old.Kind != questions[i].Kind
                    || old.Options.Count != questions[i].Options.Count))
                    return Refuse(new($"row{i}", "surveyAdmin.errorAnsweredQuestion"));
        }
        await WriteAsync(SaveAction, $"{questions.Count} questions{(survey.Anonymous ? ", anonymous" : "")}",
            (c, tx, now) => SurveyStore.SaveAsync(c, tx, survey, now, CancellationToken.None), ct);
        return Done("saved");
    }

    /// <summary>Open (registrants may answer), closed (answers kept, no more changes) or back to draft.</summary>
    public async Task<IActionResult> OnPostStatusAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var status = Request.Form["status"].ToString();
        if (!SurveyStatus.All.Contains(status)) return Refuse(new("status", "error.badChoice"));
        if (Survey is null || Survey.Questions.Count == 0) return Refuse(new("status", "surveyAdmin.errorEmpty"));
        await WriteAsync(StatusAction, status, (c, tx, now) => SurveyStore.SetStatusAsync(c, tx, Event.Id, status, now,
            CancellationToken.None), ct);
        return Done(status);
    }

    /// <summary>Copies another event's questions, introduction and anonymity (not its answers), while this one has no answers.</summary>
    public async Task<IActionResult> OnPostCopyAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        if (Responses > 0) return Refuse(new("from", "surveyAdmin.errorAnswered"));
        var from = Request.Form["from"].ToString();
        if (!Others.Any(o => o.Slug == from)) return Refuse(new("from", "error.badChoice"));
        Survey? source;
        await using (var c = await db.OpenAsync(ct))
            source = await SurveyStore.LoadAsync(c, null, await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT id FROM events WHERE slug = @from", new { from }, cancellationToken: ct)), ct);
        if (source is null) return Refuse(new("from", "error.badChoice"));
        var copy = source with
        {
            EventId = Event.Id, Status = Survey?.Status ?? SurveyStatus.Draft,
            Questions = source.Questions.Select(q => q with { Id = 0 }).ToList(),
        };
        await WriteAsync(SaveAction, $"copied from {from}", async (c, tx, now) =>
        {
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM survey_questions WHERE event_id = @Id", new { Event.Id }, tx));
            await SurveyStore.SaveAsync(c, tx, copy, now, CancellationToken.None);
        }, ct);
        return Done("copied");
    }

    Task WriteAsync(string action, string detail, Func<DbConnection, DbTransaction, DateTime, Task> work, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync(async (c, tx) =>
        {
            await work(c, tx, now);
            await Audit.WriteAsync(c, tx, HttpContext, action, Event.Slug, detail, now, ct);
            return 0;
        }, ct);
    }

    IActionResult Refuse(FieldError error)
    {
        Error = error;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    IActionResult Done(string what)
    {
        Response.Headers.Location = $"/admin/events/{Uri.EscapeDataString(Event.Slug)}/survey?done={what}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        if (await EventSpec.LoadAsync(c, null, slug, ct) is not { } e) return false;
        Event = e;
        Survey = await SurveyStore.LoadAsync(c, null, e.Id, ct);
        Responses = await SurveyStore.ResponseCountAsync(c, null, e.Id, ct);
        Others = (await c.QueryAsync<(string, string)>(new CommandDefinition("""
            SELECT e.slug, e.title FROM events e JOIN surveys s ON s.event_id = e.id
            WHERE e.id <> @Id AND EXISTS (SELECT 1 FROM survey_questions q WHERE q.event_id = e.id)
            ORDER BY e.starts_at DESC LIMIT 50
            """, new { e.Id }, cancellationToken: ct))).ToList();
        return true;
    }
}
