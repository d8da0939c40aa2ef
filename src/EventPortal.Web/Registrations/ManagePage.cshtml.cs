using EventPortal.Calendar;
using EventPortal.Web.Calendar;
using EventPortal.Web.Localization;
using EventPortal.Web.Shared;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Registrations;

/// <summary>
/// The personal page <c>/r/{token}</c>: status, ticket, the event; switch ticket; cancel with a
/// confirmation step (<c>GET /r/{token}/cancel</c> asks, <c>POST /r/{token}/cancel</c> does it);
/// <c>GET /r/{token}/confirm</c>, the link in the address-confirmation mail, confirms the address.
/// </summary>
public sealed class ManagePageModel(Db db, Tokens tokens, Registrar registrar, Invites invites, Links links, TimeProvider clock) : PageModel
{
    public PersonalRegistration Me { get; private set; } = null!;
    public EventDetails Details { get; private set; } = null!;
    public TicketTypeRecord Ticket => Details.Tickets.First(t => t.Id == Me.TicketTypeId);
    public string Token { get; private set; } = "";
    /// <summary>This registration's calendar entry, for the add-to-calendar links.</summary>
    public CalendarEvent Invite { get; private set; } = null!;
    public string QrSvg => QrCodes.Svg(links.Manage(HttpContext, Token), Text.Get("manage.qrAlt", Text.Current));
    public bool ConfirmingCancel { get; private set; }
    public string? NoticeKey { get; private set; }
    public bool NoticeIsError { get; private set; }
    public DateTime Now { get; private set; }
    /// <summary>The event's survey is open to this registration (<c>/s/{token}</c>).</summary>
    public bool SurveyOpen { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        NoticeKey = done switch
        {
            "cancelled" => "manage.cancelledNow", "switched" => "manage.switchedNow", "confirmed" => "manage.confirmedNow",
            "lapsed" => "manage.holdLapsed", "corrected" => "manage.correctedNow", "unchanged" => "manage.correctionUnchanged",
            _ => null,
        };
        NoticeIsError = done == "lapsed";
        return Page();
    }

    /// <summary>
    /// The link mailed to the address. A GET, because it is opened from a mail program; opening it
    /// twice, or after a mail scanner did, changes nothing more. Having the link proves the address:
    /// it was only ever sent there.
    /// </summary>
    public async Task<IActionResult> OnGetConfirmAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        var outcome = await registrar.ConfirmAddressAsync(Me.Id, ct);
        return SeeOther(outcome switch
        {
            SeatOutcome.Done => $"/r/{token}?done=confirmed",
            SeatOutcome.NoSeat => $"/r/{token}?done=lapsed",
            _ => $"/r/{token}",
        });
    }

    public async Task<IActionResult> OnGetCancelAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        ConfirmingCancel = Me.Status != RegistrationStatus.Cancelled;
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        await registrar.CancelAsync(Me.Id, ct);
        return SeeOther($"/r/{token}?done=cancelled");
    }

    public async Task<IActionResult> OnPostSwitchAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        var target = Details.Tickets.FirstOrDefault(t => t.Code == Request.Form["ticketType"].ToString());
        var outcome = target is null
            ? Registrar.ChangeOutcome.Unchanged
            : await registrar.SwitchTicketAsync(Me.Id, target, Details.Event, ct);
        if (outcome == Registrar.ChangeOutcome.Done) return SeeOther($"/r/{token}?done=switched");
        await LoadAsync(token, ct);
        NoticeIsError = true;
        NoticeKey = outcome switch
        {
            Registrar.ChangeOutcome.SoldOut => "error.soldOut",
            Registrar.ChangeOutcome.NotOnSale => "error.notOnSale",
            _ => "manage.switchUnchanged",
        };
        Response.StatusCode = outcome == Registrar.ChangeOutcome.Unchanged && target is null ? 422 : 409;
        return Page();
    }

    IActionResult SeeOther(string location)
    {
        Response.Headers.Location = location;
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    async Task<bool> LoadAsync(string token, CancellationToken ct)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        // The token is in the URL: keep it out of search engines and out of Referer headers.
        Response.Headers["X-Robots-Tag"] = "noindex";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        if (!Tokens.LooksValid(token)) return false;
        var me = await RegistrationQueries.FindByManageTokenAsync(db, tokens, token, ct);
        var details = me is null ? null : await EventQueries.FindAsync(db, me.Slug, ct);
        if (me is null || details is null) return false;
        (Me, Details, Token) = (me, details, token);
        Invite = invites.ForRegistration(me, details.Event, links.Base(HttpContext), Text.Current, Now).Entry;
        await using (var c = await db.OpenAsync(ct))
            SurveyOpen = me.Status == RegistrationStatus.Confirmed
                && await Surveys.SurveyStore.IsOpenAsync(c, me.EventId, ct);
        return true;
    }

    /// <summary>Tickets this registration could move to now.</summary>
    public IEnumerable<TicketTypeRecord> SwitchTargets =>
        Me.Status is RegistrationStatus.Cancelled or RegistrationStatus.Pending
            ? []
            : Details.Tickets.Where(t => t.Id != Me.TicketTypeId && t.IsOnSale(Now, Details.Event));
}
