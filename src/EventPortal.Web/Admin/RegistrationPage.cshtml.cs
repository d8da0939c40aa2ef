using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/registrations/{id}</c>: one registration, every field, and what an
/// organiser may do to it. Destructive actions ask first: <c>GET …/{id}/cancel</c> and
/// <c>GET …/{id}/erase</c> show the question, the POST to the same address does it. Every
/// POST answers 303 back to the page with a notice (post/redirect/get).
/// </summary>
public sealed class RegistrationPageModel(Db db, TimeProvider clock) : PageModel
{
    public EventSpec Event { get; private set; } = null!;
    public RegistrationRow Registration { get; private set; } = null!;
    /// <summary>"cancel" or "erase" while asking for confirmation.</summary>
    public string? Confirming { get; private set; }
    /// <summary>The text key of the notice after an action.</summary>
    public string? Notice { get; private set; }
    public bool SeatFree => Event.TicketTypes.FirstOrDefault(t => t.Id == Registration.TicketTypeId)?.SeatsLeft is not 0;

    public bool NoticeIsWarning { get; private set; }

    /// <summary>Corrections of this registration, newest first: who, when, every field before and after.</summary>
    public IReadOnlyList<AuditEntry> CorrectionLog { get; private set; } = [];

    public sealed class AuditEntry
    {
        public DateTime At { get; init; }
        public string Actor { get; init; } = "";
        public string Detail { get; init; } = "";
    }

    const string CorrectionsOf = """
        SELECT at, actor, detail FROM audit_log WHERE action = 'registration.correct' AND target = @target ORDER BY at DESC, id DESC
        """;

    /// <summary>What <c>?done=</c> says after an action, as a text key.</summary>
    static readonly Dictionary<string, string> Notices = new()
    {
        ["cancelled"] = "adminRegistrations.doneCancelled", ["promoted"] = "adminRegistrations.donePromoted",
        ["attendance"] = "adminRegistrations.doneAttendance", ["resent"] = "adminRegistrations.doneResent",
        ["erased"] = "adminRegistrations.doneErased", ["noSeat"] = "adminRegistrations.doneNoSeat",
        ["unchanged"] = "adminRegistrations.doneUnchanged", ["corrected"] = "adminRegistrations.doneCorrected",
        ["notActive"] = "adminRegistrations.doneNotActive",
    };

    public async Task<IActionResult> OnGetAsync(string slug, long id, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct)) return NotFound();
        Notice = done is not null && Notices.TryGetValue(done, out var key) ? key : null;
        NoticeIsWarning = done is "noSeat" or "unchanged" or "notActive";
        return Page();
    }

    public Task<IActionResult> OnGetCancelAsync(string slug, long id, CancellationToken ct) => ConfirmAsync(slug, id, "cancel", ct);

    public Task<IActionResult> OnGetEraseAsync(string slug, long id, CancellationToken ct) => ConfirmAsync(slug, id, "erase", ct);

    async Task<IActionResult> ConfirmAsync(string slug, long id, string what, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct)) return NotFound();
        Confirming = what == "cancel" && Registration.Status == RegistrationStatus.Cancelled ? null : what;
        return Page();
    }

    public Task<IActionResult> OnPostCancelAsync(string slug, long id, CancellationToken ct) =>
        ActAsync(slug, id, "cancelled", (now) => RegistrationActions.CancelAsync(db, HttpContext, Event.Id, id, now, ct), ct);

    public Task<IActionResult> OnPostPromoteAsync(string slug, long id, CancellationToken ct) =>
        ActAsync(slug, id, "promoted", (now) => RegistrationActions.PromoteAsync(db, HttpContext, Event.Id, id, now, ct), ct);

    public Task<IActionResult> OnPostResendAsync(string slug, long id, CancellationToken ct) =>
        ActAsync(slug, id, "resent", (now) => RegistrationActions.ResendAsync(db, HttpContext, Event.Id, id, now, ct), ct);

    public Task<IActionResult> OnPostEraseAsync(string slug, long id, CancellationToken ct) =>
        ActAsync(slug, id, "erased", (now) => RegistrationActions.EraseAsync(db, HttpContext, Event.Id, id, now, ct), ct);

    public async Task<IActionResult> OnPostAttendanceAsync(string slug, long id, CancellationToken ct)
    {
        bool? attended;
        switch (Request.Form["attended"].ToString())
        {
            case "yes": attended = true; break;
            case "no": attended = false; break;
            case "unknown": attended = null; break;
            default: return BadRequest();
        }
        return await ActAsync(slug, id, "attendance",
            (now) => RegistrationActions.SetAttendanceAsync(db, HttpContext, Event.Id, id, attended, now, ct), ct);
    }

    async Task<IActionResult> ActAsync(string slug, long id, string doneNotice, Func<DateTime, Task<ActionOutcome>> action,
        CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct)) return NotFound();
        var outcome = await action(clock.GetUtcNow().UtcDateTime);
        var notice = outcome switch { ActionOutcome.Done => doneNotice, ActionOutcome.NoSeat => "noSeat", _ => "unchanged" };
        Response.Headers.Location = $"/admin/events/{slug}/registrations/{id}?done={notice}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    async Task<bool> LoadAsync(string slug, long id, CancellationToken ct)
    {
        // Personal data: keep it out of caches.
        Response.Headers.CacheControl = "no-store";
        var e = await EventSpec.LoadAsync(db, slug, ct);
        if (e is null) return false;
        await using var connection = await db.OpenAsync(ct);
        var r = await connection.QuerySingleOrDefaultAsync<RegistrationRow>(new CommandDefinition(
            RegistrationListQueries.One, new { eventId = e.Id, id }, cancellationToken: ct));
        if (r is null) return false;
        (Event, Registration) = (e, r);
        CorrectionLog = (await connection.QueryAsync<AuditEntry>(new CommandDefinition(CorrectionsOf,
            new { target = Corrections.Target(id) }, cancellationToken: ct))).AsList();
        return true;
    }
}
