using EventPortal.Web.Data;
using EventPortal.Web.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Registrations;

/// <summary>
/// <c>/r/{token}/details</c>: the registrant corrects their own name, reading, organisation, category, free texts and
/// answers (<see cref="Corrections"/>) while their ticket is sold; the address stays (a new one would need proving:
/// cancel and register again, or ask the organiser). A corrected name sends the invite again.
/// </summary>
public sealed class DetailsPageModel(Db db, Tokens tokens, TimeProvider clock) : PageModel
{
    public string Token { get; private set; } = "";
    public EventDetails Details { get; private set; } = null!;
    public Corrections.Stored Stored { get; private set; } = null!;
    public RegistrationInput Input { get; private set; } = new();
    public List<FieldError> Errors { get; } = [];
    /// <summary>False once the registration is cancelled or its ticket no longer sold: the page says so and shows no form.</summary>
    public bool Open { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        Input = DetailsFields.From(Stored);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        Input = RegistrationInput.FromForm(Request.Form, Details.Questions);
        if (!Open) { Response.StatusCode = StatusCodes.Status409Conflict; return Page(); }
        var (valid, errors) = Corrections.Check(Input, Stored, Details, email: null);
        if (valid is null)
        {
            Errors.AddRange(errors.DistinctBy(e => e.Field));
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var outcome = await Corrections.ApplyAsync(db, HttpContext, Stored.Id, valid, clock.GetUtcNow().UtcDateTime, ct,
            actor: "registrant");
        if (outcome == Corrections.Outcome.NotActive) { Open = false; Response.StatusCode = StatusCodes.Status409Conflict; return Page(); }
        Response.Headers.Location = $"/r/{token}?done={(outcome == Corrections.Outcome.Done ? "corrected" : "unchanged")}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    async Task<bool> LoadAsync(string token, CancellationToken ct)
    {
        Response.Headers["X-Robots-Tag"] = "noindex";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers.CacheControl = "no-store";
        if (await RegistrationQueries.FindByManageTokenAsync(db, tokens, token, ct) is not { } me) return false;
        if (await EventQueries.FindAsync(db, me.Slug, ct) is not { } details) return false;
        if (await Corrections.FindAsync(db, me.Id, ct) is not { } stored) return false;
        (Token, Details, Stored) = (token, details, stored);
        var ticket = details.Tickets.First(t => t.Id == me.TicketTypeId);
        Open = stored.Status != RegistrationStatus.Cancelled && ticket.IsCorrectable(clock.GetUtcNow().UtcDateTime, details.Event);
        return true;
    }
}
