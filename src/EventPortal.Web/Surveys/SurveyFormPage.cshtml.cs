using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Surveys;

/// <summary>
/// <c>/s/{token}</c>: a registrant's survey, reached with the token of their personal page (the
/// survey mail already carries that page's link, so this shares its secret rather than adding one).
/// A plain form: no script needed. One response per registration, changed by answering again
/// until the organiser closes the survey.
/// </summary>
public sealed class SurveyFormPageModel(Db db, Tokens tokens, TimeProvider clock) : PageModel
{
    public PersonalRegistration Me { get; private set; } = null!;
    public EventRecord Event { get; private set; } = null!;
    public Survey? Survey { get; private set; }
    public IReadOnlyDictionary<string, JsonElement>? Answers { get; private set; }
    /// <summary>What was sent, shown again after a refusal.</summary>
    public IFormCollection? Sent { get; private set; }
    public List<FieldError> Errors { get; private set; } = [];
    public bool Saved { get; private set; }
    public bool CanAnswer => Survey is { IsOpen: true } && Me.Status == RegistrationStatus.Confirmed;

    public async Task<IActionResult> OnGetAsync(string token, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        Saved = done == "saved";
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        if (!CanAnswer || Survey is null)
        {
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        var (answers, errors) = SurveyAnswers.Read(Survey, name => Request.Form[name]);
        if (errors.Count > 0)
        {
            (Errors, Sent) = (errors, Request.Form);
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var saved = await db.WriteAsync(async (c, tx) =>
        {
            // Closed, or the registration cancelled or erased, between the page and the answer. On PostgreSQL the
            // survey's row is read FOR SHARE, so a close waits for this answer or this answer sees the close.
            if (!db.IsSqlite)
                await c.ExecuteAsync(new CommandDefinition("SELECT 1 FROM surveys WHERE event_id = @EventId FOR SHARE",
                    new { Me.EventId }, tx, cancellationToken: ct));
            var current = await SurveyStore.LoadAsync(c, tx, Me.EventId, ct);
            var status = await c.QuerySingleOrDefaultAsync<(string Status, string Email)>(new CommandDefinition(
                "SELECT status, email FROM registrations WHERE id = @Id", new { Me.Id }, tx, cancellationToken: ct));
            if (current is not { IsOpen: true } || status.Status != RegistrationStatus.Confirmed || Erasure.IsErased(status.Email))
                return false;
            await SurveyStore.SaveResponseAsync(c, tx, Me.EventId, Me.Id, Me.CategoryCode, answers.ToJsonString(Events.Json.Stored),
                now, ct);
            return true;
        }, ct);
        if (!saved)
        {
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        Response.Headers.Location = $"/s/{token}?done=saved";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    async Task<bool> LoadAsync(string token, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex";
        if (await RegistrationQueries.FindByManageTokenAsync(db, tokens, token, ct) is not { } me) return false;
        if (await EventQueries.FindAsync(db, me.Slug, ct) is not { } details) return false;
        (Me, Event) = (me, details.Event);
        await using var c = await db.OpenAsync(ct);
        Survey = await SurveyStore.LoadAsync(c, null, me.EventId, ct);
        if (Survey is null || Survey.Status == SurveyStatus.Draft) return false;
        Answers = await SurveyStore.AnswersAsync(c, me.Id, ct);
        return true;
    }

    /// <summary>The values to show checked or filled: what was just sent, else what is stored.</summary>
    public IReadOnlyList<string> ValuesOf(SurveyQuestion q) =>
        Sent is { } sent ? sent[$"q{q.Id}"].Select(v => v ?? "").ToList() : SurveyAnswers.Values(Answers, q);
}
