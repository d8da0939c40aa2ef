using EventPortal.Web.ApiDocs;
using EventPortal.Web.Data;
using EventPortal.Web.Localization;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Events;

/// <summary><c>GET /api/events</c> and <c>GET /api/events/{slug}</c>: published events and seats left.</summary>
public static class EventsApi
{
    public static void MapEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/events").WithTags("Events");

        api.MapGet("/", async (Db db, TimeProvider clock, Links links, HttpContext context, CancellationToken ct) =>
        {
            var events = await EventQueries.UpcomingAsync(db, clock.GetUtcNow().UtcDateTime, ct);
            return Results.Ok(events.Select(e => new
            {
                e.Slug, e.Title, e.Summary, startsAt = Utc(e.StartsAt), endsAt = Utc(e.EndsAt), e.TimeZone,
                e.Status, url = links.Event(context, e.Slug),
            }));
        }).WithName("ListEvents").WithSummary("Published events that have not ended, soonest first")
            .Produces<IReadOnlyList<EventListItem>>();

        api.MapGet("/{slug}", async (string slug, Db db, TimeProvider clock, Links links, HttpContext context, CancellationToken ct) =>
        {
            var details = await EventQueries.FindAsync(db, slug, ct);
            if (details is null) return Problems.Status(404, "error.eventNotFound");
            var (e, now, language) = (details.Event, clock.GetUtcNow().UtcDateTime, Text.Current);
            return Results.Ok(new
            {
                e.Slug, e.Title, e.Summary, e.Description, startsAt = Utc(e.StartsAt), endsAt = Utc(e.EndsAt), e.TimeZone,
                e.DoorsOpenMinutes, e.Status, e.Venue, url = links.Event(context, e.Slug),
                organiser = new { name = e.OrganiserName, contact = e.Contact },
                programme = e.Programme, speakers = e.Speakers,
                ticketTypes = details.Tickets.Select(t => new
                {
                    t.Code, name = t.Name(language), names = new { ja = t.NameJa, en = t.NameEn },
                    t.Capacity, t.SeatsLeft, t.Waitlist, onSale = t.IsOnSale(now, e),
                }),
                categories = details.Categories.Select(c => new { c.Code, name = c.Name(language) }),
            });
        }).WithName("GetEvent").WithSummary("A published event with its tickets, seats left and categories")
            .Produces<PublicEvent>().OfEvent();
    }

    static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
