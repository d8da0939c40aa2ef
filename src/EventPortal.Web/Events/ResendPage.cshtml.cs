using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EventPortal.Web.Events;

/// <summary>
/// <c>/events/{slug}/resend</c>: "Didn't get the mail?". Re-sends the confirmation to an address
/// that has a registration and answers exactly the same whether or not it has one. Limited
/// per client address (<see cref="Shared.RateLimits"/>), so it cannot be used to flood someone's
/// inbox or to probe at speed.
/// </summary>
[EnableRateLimiting(Shared.RateLimits.Resend)]
public sealed class ResendPageModel(Db db, Registrar registrar) : PageModel
{
    public EventRecord Event { get; private set; } = null!;
    public string? Email { get; private set; }
    public string? ErrorKey { get; private set; }
    public bool Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, bool done, CancellationToken ct)
    {
        if (await EventQueries.FindAsync(db, slug, ct) is not { } details) return NotFound();
        (Event, Done) = (details.Event, done);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken ct)
    {
        if (await EventQueries.FindAsync(db, slug, ct) is not { } details) return NotFound();
        Event = details.Event;
        Email = Request.Form["email"].ToString();
        var email = EmailAddress.Clean(Email);
        if (email.Length == 0 || !EmailAddress.IsValid(email))
        {
            ErrorKey = email.Length == 0 ? "error.required" : "error.email";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        await registrar.ResendAsync(Event.Id, EmailAddress.Normalize(email), ct);
        Response.Headers.Location = $"/events/{Uri.EscapeDataString(slug)}/resend?done=true";
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
