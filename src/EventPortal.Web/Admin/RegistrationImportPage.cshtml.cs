using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/registrations/import</c>: registers a list of invitees from a CSV (<see cref="RegistrationImport"/>).
/// <c>POST …/check</c> reads the file and lists every row's problem, changing nothing; with none, the page carries the
/// file's text into the apply form. <c>POST …/apply</c> trusts nothing it sends back: the text is read and checked again,
/// and only when no row has a problem are all rows registered in one transaction by the seat rules of every registration
/// (<see cref="Registrar.RegisterByStaffAsync"/>), each with its audit row and its mail, in file order until seats run out;
/// the page then says per row who was seated, waitlisted, refused or already registered.
/// </summary>
// The file may be up to 2 MB, over the app's 1 MB request limit, and comes back as text on the apply step (up to
// half as long again, Shift_JIS being 2 bytes a character and UTF-8 3): limits for these two posts only.
[RequestSizeLimit(BodyLimit)]
[RequestFormLimits(ValueLengthLimit = BodyLimit, MultipartBodyLengthLimit = BodyLimit)]
public sealed class RegistrationImportPageModel(Db db, Registrar registrar, TimeProvider clock) : PageModel
{
    const int BodyLimit = RegistrationImport.MaxBytes * 2 + 64 * 1024;

    public EventDetails Details { get; private set; } = null!;
    public IReadOnlyList<ImportLine>? Lines { get; private set; }
    public IReadOnlyList<ImportProblem> Problems { get; private set; } = [];
    /// <summary>The checked file's text, for the apply form.</summary>
    public string CheckedText { get; private set; } = "";
    public string? ErrorKey { get; private set; }
    public object[] ErrorArgs { get; private set; } = [];
    public IReadOnlyList<Applied>? Results { get; private set; }

    public sealed record Applied(int Row, string Name, string Email, RegisterOutcome Outcome, long Id);

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken ct) =>
        await LoadAsync(slug, ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostCheckAsync(string slug, IFormFile? file, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        if (file is null || file.Length == 0) return Refuse("staffImport.errorNoFile");
        if (file.Length > RegistrationImport.MaxBytes) return Refuse("staffImport.errorTooBig", RegistrationImport.MaxBytes / 1024 / 1024);
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        return Check(Shared.CsvFile.Decode(buffer.ToArray()));
    }

    public async Task<IActionResult> OnPostApplyAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var text = Request.Form["csv"].ToString();
        if (text.Length == 0) return Refuse("staffImport.errorNoFile");
        if (text.Length > RegistrationImport.MaxBytes) return Refuse("staffImport.errorTooBig", RegistrationImport.MaxBytes / 1024 / 1024);
        var checkedPage = Check(text);
        if (Problems.Count > 0) return checkedPage;
        if (Request.Form["consent"] != "yes")
        {
            ErrorKey = "staffImport.errorConsent";
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var actor = User.Identity?.Name ?? "";
        Results = await registrar.WriteByStaffAsync(async (c, tx) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var results = new List<Applied>();
            foreach (var line in Lines!)
            {
                var valid = line.Registration;
                var r = await registrar.RegisterByStaffAsync(c, tx, Details.Event, valid, Localization.Text.DefaultLanguage,
                    RegistrationChannel.Import, actor, now, ct);
                results.Add(new(line.Row, $"{valid.FamilyName} {valid.GivenName}", valid.Email, r.Outcome, r.RegistrationId));
                if (r.Outcome is RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted)
                    await Audit.WriteAsync(c, tx, HttpContext, "registration.import", $"registration:{r.RegistrationId}",
                        $"row {line.Row}, {r.Status}", now, ct);
            }
            await Audit.WriteAsync(c, tx, HttpContext, "event.import", Details.Event.Slug, string.Join(", ", results
                .GroupBy(r => r.Outcome).Select(g => $"{g.Key}: {g.Count()}")), now, ct);
            return results;
        }, ct);
        await LoadAsync(slug, ct);   // the seats left after the import
        return Page();
    }

    IActionResult Check(string text)
    {
        (var lines, Problems) = RegistrationImport.Read(text, Details);
        Lines = lines;
        CheckedText = Problems.Count == 0 ? text : "";
        Response.StatusCode = Problems.Count > 0 ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK;
        return Page();
    }

    IActionResult Refuse(string key, params object[] args)
    {
        ErrorKey = key;
        ErrorArgs = args;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        if (await EventQueries.FindAsync(db, slug, ct) is not { } details) return false;
        Details = details;
        return true;
    }
}
