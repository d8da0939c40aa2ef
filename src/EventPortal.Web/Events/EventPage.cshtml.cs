using EventPortal.Web.Data;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EventPortal.Web.Events;

/// <summary>
/// <c>GET /events/{slug}</c>: the event and its registration form;
/// <c>POST /events/{slug}/register</c>: the form post, 303 to the personal page on success, or to
/// "check your mail" when the ticket confirms addresses. A filled-in honeypot or a form sent back
/// faster than a person could fill it is turned away (<see cref="FormTiming"/>).
/// </summary>
[EnableRateLimiting(Shared.RateLimits.Register)]
public sealed class EventPageModel(Db db, Registrar registrar, FormTiming timing, TimeProvider clock,
    ILogger<EventPageModel> logger) : PageModel
{
    public EventDetails Details { get; private set; } = null!;
    public RegistrationInput Input { get; private set; } = new();
    public List<FieldError> Errors { get; } = [];
    /// <summary>A message about the whole form (sold out, closed, already registered).</summary>
    public string? NoticeKey { get; private set; }
    public DateTime Now { get; private set; }
    /// <summary>The signed time this form was served (<see cref="FormTiming"/>).</summary>
    public string FormStarted { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string slug, string? notice, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        if (notice == "already") NoticeKey = "register.already";
        return Page();
    }

    public async Task<IActionResult> OnPostRegisterAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var form = Request.Form;
        Input = RegistrationInput.FromForm(form, Details.Questions);
        var checkMail = $"/events/{Uri.EscapeDataString(slug)}/check-mail";
        if (!string.IsNullOrEmpty(form[FormTiming.Honeypot]))
        {
            // Only a script fills in a field nobody sees: it is told what a person would be, and nothing is stored.
            logger.LogInformation("Registration form with the honeypot filled in, for {Slug}; not stored", slug);
            Response.Headers.Location = checkMail;
            return StatusCode(StatusCodes.Status303SeeOther);
        }
        var (valid, errors) = RegistrationValidator.Validate(Input, Details, fromForm: true);
        if (valid is null)
        {
            Errors.AddRange(errors.DistinctBy(e => e.Field));
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        if (timing.Check(form[FormTiming.Field]) is not FormTimingCheck.Ok and var check)
        {
            // Everything typed is kept; the fresh stamp on the page makes the second send pass.
            NoticeKey = check == FormTimingCheck.TooFast ? "register.tooFast" : "register.formExpired";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }

        var network = Shared.RateLimits.ClientKey(HttpContext.Connection.RemoteIpAddress);
        var result = await registrar.RegisterAsync(Details, valid, Text.Current, network, ct);
        switch (result.Outcome)
        {
            case RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted:
                Response.Headers.Location = $"/r/{result.ManageToken}";
                return StatusCode(StatusCodes.Status303SeeOther);
            case RegisterOutcome.CheckMail:
                Response.Headers.Location = checkMail;
                return StatusCode(StatusCodes.Status303SeeOther);
            case RegisterOutcome.TooManyHolds:
                NoticeKey = "error.tooManyHolds";
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return Page();
            case RegisterOutcome.AlreadyRegistered:
                Response.Headers.Location = $"/events/{Uri.EscapeDataString(slug)}?notice=already#register";
                return StatusCode(StatusCodes.Status303SeeOther);
            default:
                await LoadAsync(slug, ct); // seats changed under us: show the fresh counts
                NoticeKey = result.Outcome == RegisterOutcome.SoldOut ? "error.soldOut" : "error.notOnSale";
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
        }
    }

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        FormStarted = timing.Issue();
        var details = await EventQueries.FindAsync(db, slug, ct);
        if (details is null) return false;
        Details = details;
        return true;
    }

    public string? ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field) is { } e ? Shared.Problems.Message(e) : null;
    public bool IsOpen => Details.Tickets.Any(t => t.IsOnSale(Now, Details.Event));
}
