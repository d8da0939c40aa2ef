using System.Text;
using EventPortal.Calendar;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;
using Microsoft.Net.Http.Headers;

namespace EventPortal.Web.Calendar;

/// <summary>
/// <c>GET /events/{slug}/event.ics</c> (public, PUBLISH), <c>GET /r/{token}/invite.ics</c>
/// (personal, REQUEST or CANCEL) and <c>GET /r/{token}/qr.png</c>.
/// </summary>
public static class CalendarEndpoints
{
    public static void MapCalendar(this IEndpointRouteBuilder app)
    {
        app.MapGet("/events/{slug}/event.ics", async (string slug, Db db, Invites invites, Links links, TimeProvider clock,
            HttpContext context, CancellationToken ct) =>
        {
            var details = await EventQueries.FindAsync(db, slug, ct);
            if (details is null) return Results.NotFound();
            var e = details.Event;
            var ics = IcsWriter.Write(CalendarMethod.Publish,
                invites.PublicEvent(e, links.Base(context), Text.Current, clock.GetUtcNow().UtcDateTime));
            return Calendar(context, ics, e.Slug + ".ics", e.Title + ".ics", cache: "public, max-age=300");
        });

        app.MapGet("/r/{token}/invite.ics", async (string token, Db db, Tokens tokens, Invites invites, Links links, TimeProvider clock,
            HttpContext context, CancellationToken ct) =>
        {
            var r = await RegistrationQueries.FindByManageTokenAsync(db, tokens, token, ct);
            var details = r is null ? null : await EventQueries.FindAsync(db, r.Slug, ct);
            if (r is null || details is null) return Results.NotFound();
            var invite = invites.ForRegistration(r, details.Event, links.Base(context), Text.Current, clock.GetUtcNow().UtcDateTime);
            return Calendar(context, Invites.IcsText(invite), "invite.ics", details.Event.Title + ".ics",
                cache: "private, no-store");
        });

        // The event page's preview image for link previews (Events/EventCard.cs); the same for everyone, so cached publicly.
        app.MapGet("/events/{slug}/card.png", async (string slug, Db db, HttpContext context, CancellationToken ct) =>
        {
            if (await EventQueries.FindAsync(db, slug, ct) is null) return Results.NotFound();
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.File(EventCard.Png(slug), "image/png");
        });

        // The organiser's own preview image (Events/PreviewImage.cs), from the database. Its address carries its version,
        // so that address may be kept for a year; the bare address (or an old version's) is rechecked after five minutes.
        app.MapGet("/events/{slug}/image", async (string slug, string? v, Db db, HttpContext context, CancellationToken ct) =>
        {
            if (await EventImages.FindAsync(db, slug, ct) is not { } image) return Results.NotFound();
            var etag = $"\"{image.Version}\"";
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = v == image.Version ? "public, max-age=31536000, immutable" : "public, max-age=300";
            if (context.Request.Headers.IfNoneMatch.Contains(etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
            return Results.Bytes(image.Data, image.ContentType);
        });

        app.MapGet("/r/{token}/qr.png", async (string token, Db db, Tokens tokens, Links links, HttpContext context,
            CancellationToken ct) =>
        {
            if (await RegistrationQueries.FindByManageTokenAsync(db, tokens, token, ct) is null) return Results.NotFound();
            context.Response.Headers.CacheControl = "private, max-age=86400";
            return Results.File(QrCodes.Png(links.Manage(context, token)), "image/png");
        });
    }

    /// <summary>text/calendar with a download name: ASCII for old clients, the Japanese title in filename*.</summary>
    static IResult Calendar(HttpContext context, string ics, string asciiName, string unicodeName, string cache)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(unicodeName);
        disposition.FileName = "\"" + new string(asciiName
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')
            .ToArray()) + "\"";
        context.Response.Headers.ContentDisposition = disposition.ToString();
        context.Response.Headers.CacheControl = cache;
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Bytes(Encoding.UTF8.GetBytes(ics), "text/calendar; charset=utf-8");
    }
}
