using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/registrations/{id}/edit</c>: staff correct a registration (<see cref="Corrections"/>), the
/// address included, at any time while it is active; audited with every field before and after.
/// </summary>
public sealed class RegistrationEditPageModel(Db db, TimeProvider clock) : PageModel
{
    public EventDetails Details { get; private set; } = null!;
    public Corrections.Stored Stored { get; private set; } = null!;
    public RegistrationInput Input { get; private set; } = new();
    public List<FieldError> Errors { get; } = [];
    public bool Active => Stored.Status != RegistrationStatus.Cancelled;
    public string Back => $"/admin/events/{Details.Event.Slug}/registrations/{Stored.Id}";

    public async Task<IActionResult> OnGetAsync(string slug, long id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct)) return NotFound();
        Input = DetailsFields.From(Stored);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, long id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct)) return NotFound();
        Input = RegistrationInput.FromForm(Request.Form, Details.Questions);
        if (!Active) { Response.StatusCode = StatusCodes.Status409Conflict; return Page(); }
        var (valid, errors) = Corrections.Check(Input, Stored, Details, EmailAddress.Clean(Input.Email ?? ""), byStaff: true);
        if (valid is null)
        {
            Errors.AddRange(errors.DistinctBy(e => e.Field));
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var outcome = await Corrections.ApplyAsync(db, HttpContext, id, valid, clock.GetUtcNow().UtcDateTime, ct);
        if (outcome == Corrections.Outcome.AddressTaken)
        {
            Errors.Add(new("email", "adminRegistrations.errorAddressTaken"));
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        Response.Headers.Location = $"{Back}?done={outcome switch
        {
            Corrections.Outcome.Done => "corrected",
            Corrections.Outcome.NotActive => "notActive",
            _ => "unchanged",
        }}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    async Task<bool> LoadAsync(string slug, long id, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        if (await EventQueries.FindAsync(db, slug, ct, drafts: true) is not { } details) return false;
        if (await Corrections.FindAsync(db, id, ct) is not { } stored || stored.EventId != details.Event.Id) return false;
        (Details, Stored) = (details, stored);
        return true;
    }
}
