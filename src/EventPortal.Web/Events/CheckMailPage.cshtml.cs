using System.Globalization;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Events;

/// <summary>
/// <c>/events/{slug}/check-mail</c>: where the form leads when the ticket confirms addresses. It
/// names no one and shows no personal link: those go only to the address, in the mail.
/// </summary>
public sealed class CheckMailPageModel(Db db, IOptions<RegistrationOptions> options) : PageModel
{
    public EventRecord Event { get; private set; } = null!;
    public string HoldMinutes => options.Value.HoldMinutes.ToString("0.#", CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct)
    {
        if (await EventQueries.FindAsync(db, slug, ct) is not { } details) return NotFound();
        Event = details.Event;
        return Page();
    }
}
