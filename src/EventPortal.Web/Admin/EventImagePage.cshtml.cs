using EventPortal.Web.Data;
using EventPortal.Web.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/image</c>: the organiser's own preview image of the event page (og:image, twitter:image, the
/// JSON-LD's image), checked by <see cref="PreviewImages"/> and stored in the database (<see cref="EventImages"/>), or
/// removed to fall back on the generated card. <c>POST …/upload</c> replaces it; <c>POST …/remove</c> removes it. A refused
/// file changes nothing and is explained beside the form.
/// </summary>
// The image may be 2 MB, over the app's 1 MB request limit: a limit of its own for this page, well above the image's, so
// that a phone photo of a few MB reaches the page and is refused beside the form with the 2 MB rule, not by an error page.
[RequestSizeLimit(BodyLimit)]
[RequestFormLimits(MultipartBodyLengthLimit = BodyLimit)]
public sealed class EventImagePageModel(Db db, TimeProvider clock) : PageModel
{
    const int BodyLimit = 12 * 1024 * 1024;
    static readonly string[] Notices = ["uploaded", "removed"];

    public EventRecord Event { get; private set; } = null!;
    public string? ErrorKey { get; private set; }
    public object[] ErrorArgs { get; private set; } = [];
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        Done = Notices.Contains(done) ? done : null;
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(string slug, IFormFile? file, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        if (file is null || file.Length == 0) return Refuse("eventImage.error.noFile");
        if (file.Length > PreviewImages.MaxBytes) return Refuse("eventImage.error.tooBig", PreviewImages.MaxBytes / 1024 / 1024);
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        // What the camera wrote about the picture (where and when it was taken, with what) is not published with it.
        var data = ImageMetadata.Strip(buffer.ToArray());
        var (image, error, args) = PreviewImages.Check(data);
        if (image is null) return Refuse(error!, args);
        await db.WriteAsync(async (c, tx) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await EventImages.SaveAsync(c, tx, Event.Id, image, data, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "event.image", Event.Slug,
                $"{image.ContentType} {image.Width}×{image.Height}, {data.Length} bytes", now, ct);
            return 0;
        }, ct);
        return SeeOther("uploaded");
    }

    public async Task<IActionResult> OnPostRemoveAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        await db.WriteAsync(async (c, tx) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (await EventImages.RemoveAsync(c, tx, Event.Id, now, ct))
                await Audit.WriteAsync(c, tx, HttpContext, "event.image", Event.Slug, "removed: the generated card", now, ct);
            return 0;
        }, ct);
        return SeeOther("removed");
    }

    /// <summary>Post/redirect/get: 303, so a reload does not post again.</summary>
    IActionResult SeeOther(string done)
    {
        Response.Headers.Location = $"/admin/events/{Uri.EscapeDataString(Event.Slug)}/image?done={done}";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    IActionResult Refuse(string key, params object[] args)
    {
        (ErrorKey, ErrorArgs) = (key, args);
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        if (await EventQueries.FindAsync(db, slug, ct, drafts: true) is not { } details) return false;
        Event = details.Event;
        return true;
    }
}
