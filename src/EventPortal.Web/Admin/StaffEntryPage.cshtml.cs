using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/registrations/new</c>: an organiser registers someone who applied by phone, FAX, at the
/// counter or otherwise, with or without an e-mail address, by the form's own rules (<see cref="RegistrationValidator"/>
/// in its staff mode) and the seat rules of every registration (<see cref="Registrar.RegisterByStaffAsync"/>), with an
/// audit row in the same transaction. The answer is this page with the outcome; without an address it shows the
/// person's personal links, once (only their hashes are stored), to print or read out.
/// </summary>
public sealed class StaffEntryPageModel(Db db, Registrar registrar, Tokens tokens, Links links, TimeProvider clock) : PageModel
{
    public EventDetails Details { get; private set; } = null!;
    public RegistrationInput Input { get; private set; } = new();
    public string Channel { get; private set; } = RegistrationChannel.Phone;
    public string Language { get; private set; } = Text.DefaultLanguage;
    public List<FieldError> Errors { get; } = [];
    public string? NoticeKey { get; private set; }
    public DateTime Now { get; private set; }
    public Entered? Result { get; private set; }
    /// <summary>This form's one-time key: sent twice (a reload of the result, a double click), it registers the person once.</summary>
    public string EntryKey { get; private set; } = NewKey();

    /// <summary>What was done; the links only for a person without an address (the others get them by mail).</summary>
    public sealed record Entered(RegisterOutcome Outcome, long Id, string Name, bool Mailed)
    {
        public string? ManageUrl { get; init; }
        public string? JoinUrl { get; init; }
        public string? WatchUrl { get; init; }
    }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct) =>
        await LoadAsync(slug, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        if (!ReadForm())
        {
            // Not a key this page gave out: shown again (as typed) with a fresh one, so sending it again registers the person once.
            NoticeKey = "staffEntry.expired";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var (valid, errors) = RegistrationValidator.Validate(Input, Details, fromForm: true, byStaff: true);
        if (!RegistrationChannel.ByStaff.Contains(Channel)) errors.Add(new("channel", "error.required"));
        if (!Text.Languages.Contains(Language)) errors.Add(new("language", "error.required"));
        if (valid is null || errors.Count > 0)
        {
            Errors.AddRange(errors.DistinctBy(e => e.Field));
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }

        var actor = User.Identity?.Name ?? "";
        var (result, sentBefore) = await registrar.WriteByStaffAsync(async (c, tx) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (await Registrar.EnteredAsync(c, tx, Details.Event.Id, EntryKey, ct) is { } id)
                return (new RegisterResult(RegisterOutcome.AlreadyRegistered, id), true);
            var r = await registrar.RegisterByStaffAsync(c, tx, Details.Event, valid, Language, Channel, actor, now, ct, EntryKey);
            if (r.Outcome is RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted)
                await Audit.WriteAsync(c, tx, HttpContext, "registration.staff_entry", $"registration:{r.RegistrationId}",
                    $"{Channel}, {r.Status}{(valid.Email.Length == 0 ? ", no address" : "")}", now, ct);
            return (r, false);
        }, ct);
        if (result.Outcome is RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted) return Registered(valid, result);
        await LoadAsync(slug, ct);   // seats changed meanwhile: show the fresh counts
        NoticeKey = result.Outcome switch
        {
            // This very form was sent before (a reload, a double click): the person is registered already.
            _ when sentBefore => "staffEntry.alreadyEntered",
            RegisterOutcome.AlreadyRegistered => "staffEntry.already",
            RegisterOutcome.SoldOut => "error.soldOut",
            _ => "error.notOnSale",
        };
        if (result.Outcome == RegisterOutcome.AlreadyRegistered) Result = new(result.Outcome, result.RegistrationId, "", false);
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    /// <summary>The form as sent; false when its one-time key is not one this page gives out.</summary>
    bool ReadForm()
    {
        var form = Request.Form;
        Input = RegistrationInput.FromForm(form, Details.Questions);
        Channel = form["channel"].ToString();
        Language = form["language"].ToString();
        if (form["entryKey"].ToString() is not { Length: 32 } key || !key.All(char.IsAsciiHexDigitLower)) return false;
        EntryKey = key;
        return true;
    }

    /// <summary>The outcome, with the person's links when they have no address to be mailed them.</summary>
    IActionResult Registered(ValidRegistration valid, RegisterResult result)
    {
        var noAddress = valid.Email.Length == 0;
        var seed = result.TokenSeed!;
        var live = valid.Ticket.Kind == TicketKind.Live;
        Result = new(result.Outcome, result.RegistrationId, $"{valid.FamilyName} {valid.GivenName}", !noAddress)
        {
            ManageUrl = noAddress ? links.Manage(HttpContext, result.ManageToken!) : null,
            JoinUrl = noAddress && live ? $"{links.Base(HttpContext)}/j/{tokens.Join(result.RegistrationId, seed)}" : null,
            WatchUrl = noAddress && !live ? $"{links.Base(HttpContext)}/w/{tokens.Watch(result.RegistrationId, seed)}" : null,
        };
        // The links are shown once: keep them out of caches and of the browser's back-forward store.
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        if (await EventQueries.FindAsync(db, slug, ct) is not { } details) return false;
        Details = details;
        return true;
    }

    static string NewKey() => Guid.NewGuid().ToString("N");

    public string? ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field) is { } e ? Problems.Message(e) : null;
}
