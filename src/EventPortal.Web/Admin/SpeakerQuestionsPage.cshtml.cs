using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/questions</c>: the registration form's "question for the speakers", for the
/// moderator. Every non-empty question of the event's active registrations, oldest first, with who sent it;
/// filtered by category, names hidden on request (questions are often read out anonymously), and a
/// printable sheet (<c>?print=1</c>) without the console around it. It reads only; nothing is audited,
/// as with the registrations list it is a view of.
/// </summary>
public sealed class SpeakerQuestionsPageModel(Db db) : PageModel
{
    // Questions are trimmed when a registration is stored (RegistrationInput), so "non-empty" is just <> ''.
    // An erased registration's question is '' too, so it drops out here.
    const string QuestionsSql = $"""
        SELECT id, family_name, given_name, organization, category_code, ticket_type_id, questions AS text, created_at
        FROM registrations
        WHERE event_id = @eventId AND status <> '{RegistrationStatus.Cancelled}' AND questions <> ''
          AND (@category IS NULL OR category_code = @category)
        ORDER BY created_at, id
        """;

    public EventSpec Event { get; private set; } = null!;
    /// <summary>The category filtered by, or null for every registration.</summary>
    public string? Category { get; private set; }
    public bool Anonymous { get; private set; }
    public bool Print { get; private set; }
    public string? ErrorKey { get; private set; }
    public IReadOnlyList<Question> Questions { get; private set; } = [];

    public sealed class Question
    {
        public long Id { get; init; }
        public string FamilyName { get; init; } = "";
        public string GivenName { get; init; } = "";
        public string Organization { get; init; } = "";
        public string? CategoryCode { get; init; }
        public long TicketTypeId { get; init; }
        public string Text { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        if (await EventSpec.LoadAsync(connection, null, slug, ct) is not { } e) return NotFound();
        Event = e;
        Anonymous = Request.Query["anonymous"] == "1";
        Print = Request.Query["print"] == "1";
        Response.Headers.CacheControl = "no-store";
        var category = Request.Query["category"].ToString();
        if (category.Length > 0 && !e.Categories.Any(c => c.Code == category))
        {
            // Not one of the event's categories (an old link, a renamed category): said so, never read as "all".
            ErrorKey = "speakerQuestions.errorCategory";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Category = category.Length > 0 ? category : null;
        Questions = (await connection.QueryAsync<Question>(new CommandDefinition(QuestionsSql,
            new { eventId = e.Id, category = Category }, cancellationToken: ct))).AsList();
        return Page();
    }

    /// <summary>This view's address with the same filter, as the console or as the printable sheet.</summary>
    public string Link(bool print) => $"/admin/events/{Uri.EscapeDataString(Event.Slug)}/questions" + QueryString.Create(
        new KeyValuePair<string, string?>[] { new("category", Category), new("anonymous", Anonymous ? "1" : null),
            new("print", print ? "1" : null) }.Where(p => p.Value is not null));
}
