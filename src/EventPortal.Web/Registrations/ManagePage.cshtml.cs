using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Registrations;

/// <summary>
/// The personal page <c>/r/{token}</c>: status, ticket, the event; switch ticket; cancel with a
/// confirmation step (<c>GET /r/{token}/cancel</c> asks, <c>POST /r/{token}/cancel</c> does it).
/// </summary>
public sealed class ManagePageModel(Db db, Registrar registrar, TimeProvider clock) : PageModel
{
    const string ByToken = """
        SELECT r.id, r.status, r.family_name, r.given_name, r.email, r.ticket_type_id, r.created_at, r.cancelled_at, e.slug
        FROM registrations r JOIN events e ON e.id = r.event_id
        WHERE r.manage_token_hash = @hash
        """;

    public sealed class Registration
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public string FamilyName { get; init; } = "";
        public string GivenName { get; init; } = "";
        public string Email { get; init; } = "";
        public long TicketTypeId { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? CancelledAt { get; init; }
        public string Slug { get; init; } = "";
    }

    public Registration Me { get; private set; } = null!;
    public EventDetails Details { get; private set; } = null!;
    public TicketTypeRecord Ticket => Details.Tickets.First(t => t.Id == Me.TicketTypeId);
    public bool ConfirmingCancel { get; private set; }
    public string? NoticeKey { get; private set; }
    public bool NoticeIsError { get; private set; }
    public DateTime Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        NoticeKey = done switch { "cancelled" => "manage.cancelledNow", "switched" => "manage.switchedNow", _ => null };
        return Page();
    }

    public async Task<IActionResult> OnGetCancelAsync(string token, CancellationToken ct)
    {
        if (!await LoadAsync(token, ct)) return NotFound();
        ConfirmingCancel = Me.Status != "cancelled";
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
        var outcome = target is null ? Registrar.ChangeOutcome.Unchanged : await registrar.SwitchTicketAsync(Me.Id, target, Details.Event, ct);
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
        await using (var connection = await db.OpenAsync(ct))
        {
            var me = await connection.QuerySingleOrDefaultAsync<Registration>(new CommandDefinition(ByToken, new { hash = Tokens.Hash(token) }, cancellationToken: ct));
            if (me is null) return false;
            Me = me;
        }
        var details = await EventQueries.FindAsync(db, Me.Slug, ct);
        if (details is null) return false;
        Details = details;
        return true;
    }

    /// <summary>Tickets this registration could move to now.</summary>
    public IEnumerable<TicketTypeRecord> SwitchTargets =>
        Me.Status == "cancelled" ? [] : Details.Tickets.Where(t => t.Id != Me.TicketTypeId && t.IsOnSale(Now, Details.Event));
}
