using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/new</c> and <c>/admin/events/{slug}/edit</c>: one form for a new and an
/// existing event, with a server-side Markdown preview. Beside it, on existing events: publish
/// or unpublish, duplicate as the next event, and cancel (<c>GET …/cancel</c> asks,
/// <c>POST …/cancel</c> does it). The rules and the SQL are in <see cref="EventChanges"/>.
/// </summary>
public sealed class EventEditPageModel(Db db, TimeProvider clock, Microsoft.Extensions.Options.IOptions<Meetings.MeetingOptions> meetings)
    : PageModel
{
    public const string NewSlug = "new";

    /// <summary>The stored event; null on <c>/admin/events/new</c>.</summary>
    public EventSpec? Existing { get; private set; }
    public bool IsNew => Existing is null;
    /// <summary>What the organiser typed (bound on every POST), or the stored event shown as the form.</summary>
    [BindProperty] public EventEditForm Form { get; set; } = new();
    /// <summary>Named by the form's field keys (<see cref="EventEditForm.Key"/>), one a field.</summary>
    public List<FieldError> Errors { get; } = [];
    /// <summary>The list that just got an empty row: its first field takes the focus.</summary>
    public string? AddedTo { get; private set; }
    public string? PreviewHtml { get; private set; }
    public string? NoticeKey { get; private set; }
    public object[] NoticeArgs { get; private set; } = [];
    public bool ConfirmingCancel { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromRoute] string slug, string? notice, CancellationToken ct)
    {
        if (RouteData.Values["handler"] is not null) return NotFound();
        if (slug != NewSlug) return await LoadAsync(slug, ct) ? Redirect($"/admin/events/{slug}/edit") : NotFound();
        var start = EventTime.Local(clock.GetUtcNow().UtcDateTime.AddDays(30), "Asia/Tokyo").Date.AddHours(12);
        var startUtc = TimeZoneInfo.ConvertTimeToUtc(start, EventTime.Zone("Asia/Tokyo"));
        Form = EventEditForm.FromSpec(new EventSpec
        {
            StartsAt = startUtc, EndsAt = startUtc.AddHours(1), DoorsOpenMinutes = 5,
            MeetingProvider = meetings.Value.Provider.ToString(),   // the site's provider (EventPortal:Meetings:Provider)
            TicketTypes =
            [
                new TicketSpec("live", Text.Get("adminEvent.defaultLive", "ja"), Text.Get("adminEvent.defaultLive", "en"), 100, true)
            ],
            // The audiences of the model briefing: a start the organiser can trim.
            Categories = DemoSeed.StandardCategories,
        });
        return Page();
    }

    public async Task<IActionResult> OnGetEditAsync([FromRoute] string slug, string? notice, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        Form = EventEditForm.FromSpec(Existing!);
        NoticeKey = notice switch
        {
            "created" => "adminEvent.notice.created", "saved" => "adminEvent.notice.saved", "published" => "adminEvent.notice.published",
            "unpublished" => "adminEvent.notice.unpublished", "cancelled" => "adminEvent.notice.cancelled",
            "duplicated" => "adminEvent.notice.duplicated",
            _ => null,
        };
        return Page();
    }

    public async Task<IActionResult> OnGetCancelAsync([FromRoute] string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        Form = EventEditForm.FromSpec(Existing!);
        ConfirmingCancel = Existing!.Status != EventStatus.Cancelled;
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync([FromRoute] string slug, CancellationToken ct)
    {
        if (slug != NewSlug && !await LoadAsync(slug, ct)) return NotFound();
        // Every field is text but the checkboxes: a binding error is a checkbox sent as neither true nor false,
        // which no browser does (and showing the form again would fail on it).
        if (!ModelState.IsValid) return BadRequest();
        var (spec, errors) = Form.ToSpec(Existing);
        // A time that could not be read is reported once, not again as "missing" by the shared rules.
        var unreadTime = errors.Any(e => e.Field is "date" or "startTime" or "endTime");
        errors.AddRange(EventSpecRules.Check(spec, Existing).Where(e => !(unreadTime && e.Field is "startsAt" or "endsAt")));
        if (errors.Count == 0)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var result = IsNew
                ? await EventChanges.CreateAsync(db, spec, now, Auditor(now, ct), ct)
                : await EventChanges.UpdateAsync(db, spec, now, Auditor(now, ct), ct);
            if (result.Ok) return SeeOther($"/admin/events/{spec.Slug}/edit?notice={(IsNew ? "created" : "saved")}");
            errors.AddRange(result.Errors);
        }
        // Every name is the spec's until here; the first problem found for a field is the one shown.
        Errors.AddRange(errors.Select(e => e with { Field = Form.FieldOf(e.Field) }).DistinctBy(e => e.Field));
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    /// <summary>Shows the description as the public page will, from what was typed; stores nothing.</summary>
    public async Task<IActionResult> OnPostPreviewAsync([FromRoute] string slug, CancellationToken ct)
    {
        if (slug != NewSlug && !await LoadAsync(slug, ct)) return NotFound();
        if (!ModelState.IsValid) return BadRequest();
        PreviewHtml = Markdown.ToHtml(Form.ToSpec(Existing).Spec.Description);
        return Page();
    }

    /// <summary>"Add a row" without JavaScript: the form comes back as typed, with one more empty row in <paramref name="list"/>;
    /// stores nothing.</summary>
    public async Task<IActionResult> OnPostAddAsync([FromRoute] string slug, [FromForm] string? list, CancellationToken ct)
    {
        if (slug != NewSlug && !await LoadAsync(slug, ct)) return NotFound();
        if (!ModelState.IsValid) return BadRequest();
        if (list is not null && Form.AddRow(list)) AddedTo = list;
        return Page();
    }

    public Task<IActionResult> OnPostPublishAsync([FromRoute] string slug, CancellationToken ct) =>
        ActAsync(slug, "published", (now, audit) => EventChanges.SetPublishedAsync(db, slug, publish: true, now, audit, ct), ct);

    public Task<IActionResult> OnPostUnpublishAsync([FromRoute] string slug, CancellationToken ct) =>
        ActAsync(slug, "unpublished", (now, audit) => EventChanges.SetPublishedAsync(db, slug, publish: false, now, audit, ct), ct);

    public Task<IActionResult> OnPostCancelAsync([FromRoute] string slug, CancellationToken ct) =>
        ActAsync(slug, "cancelled", (now, audit) => EventChanges.CancelAsync(db, slug, now, audit, ct), ct);

    public Task<IActionResult> OnPostDuplicateAsync([FromRoute] string slug, CancellationToken ct) =>
        ActAsync(slug, "duplicated", (now, audit) => EventChanges.DuplicateAsync(db, slug, now, audit, ct), ct);

    /// <summary>Anything else posted here (an unknown handler) is not a page.</summary>
    public IActionResult OnPost() => NotFound();

    async Task<IActionResult> ActAsync([FromRoute] string slug, string notice, Func<DateTime, AuditWriter, Task<ChangeResult>> act,
        CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await act(now, Auditor(now, ct));
        if (result.Ok) return SeeOther($"/admin/events/{result.Slug ?? slug}/edit?notice={notice}");
        await LoadAsync(slug, ct);
        Form = EventEditForm.FromSpec(Existing!);
        var error = result.Errors[0];
        (NoticeKey, NoticeArgs) = (error.Key, error.Args);
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    AuditWriter Auditor(DateTime now, CancellationToken ct) =>
        (connection, tx, action, target, detail) => Audit.WriteAsync(connection, tx, HttpContext, action, target, detail, now, ct);

    async Task<bool> LoadAsync([FromRoute] string slug, CancellationToken ct)
    {
        if (slug == NewSlug) return false;
        Existing = await EventSpec.LoadAsync(db, slug, ct);
        return Existing is not null;
    }

    IActionResult SeeOther(string location)
    {
        Response.Headers.Location = location;
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    public string? ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field) is { } e ? Shared.Problems.Message(e) : null;

    /// <summary>The stored ticket type a row of the form shows (its code cannot change; it may be removed), if any.</summary>
    public TicketSpec? StoredTicket(EventEditForm.TicketRow row) =>
        Existing?.TicketTypes.FirstOrDefault(t => t.Code == row.Code?.Trim());

    /// <summary>A field's label for the error summary: "Ticket types, row 2: Capacity".</summary>
    public string Label(string field)
    {
        var language = Text.Current;
        if (EventEditForm.RowField(field) is { } row)
            return string.Format(System.Globalization.CultureInfo.CurrentCulture, Text.Get("adminEvent.rowLabel", language),
                Text.Get($"adminEvent.section.{row.List}", language), row.Index + 1, Text.Get($"adminEvent.field.{row.Field}", language));
        return Text.Get(EventEditForm.Lists.Contains(field) ? $"adminEvent.section.{field}" : $"adminEvent.field.{field}", language);
    }
}
