using System.Globalization;
using System.Text.Json.Nodes;
using EventPortal.Web.Localization;

namespace EventPortal.Web.Events;

/// <summary>
/// What an event page tells link previews (LINE, Facebook, X, mail programs) and search engines: a meta description,
/// Open Graph and Twitter card tags, and schema.org <c>Event</c> JSON-LD (online, free, its tickets as offers, its
/// state: scheduled, rescheduled or cancelled). Everything points at this portal's own addresses; nothing from another
/// origin is loaded. Pure: the page passes the event, its absolute base address, the language and the time.
/// </summary>
public sealed class EventSharing
{
    const int DescriptionMax = 200;

    public required string Title { get; init; }
    public required string Description { get; init; }
    public required string Url { get; init; }
    public required string ImageUrl { get; init; }
    public required string ImageType { get; init; }
    public required int ImageWidth { get; init; }
    public required int ImageHeight { get; init; }
    public required string Locale { get; init; }
    public required string JsonLd { get; init; }

    public static EventSharing For(EventDetails details, string baseUrl, string language, DateTime now)
    {
        var e = details.Event;
        var url = $"{baseUrl}/events/{Uri.EscapeDataString(e.Slug)}";
        var cancelled = e.Status == EventStatus.Cancelled;
        var when = EventTime.Range(e.StartsAt, e.EndsAt, e.TimeZone, language);
        var state = cancelled ? Text.Get("sharing.cancelled", language) + " " : "";
        var summary = e.Summary.Length > 0 ? e.Summary : Text.Get("sharing.defaultSummary", language);
        var own = Own(e);
        return new EventSharing
        {
            Title = state + e.Title,
            Description = Clip($"{state}{when} — {summary}".Replace('\n', ' ')),
            Url = url,
            ImageUrl = ImageOf(e, url),
            ImageType = own ? e.ImageType! : PreviewImages.Png,
            ImageWidth = own ? e.ImageWidth!.Value : EventCard.Width,
            ImageHeight = own ? e.ImageHeight!.Value : EventCard.Height,
            Locale = language == "ja" ? "ja_JP" : "en_US",
            JsonLd = Event(details, url, language, now).ToJsonString(Json.Stored),
        };
    }

    /// <summary>The organiser's own image (its version in the address), else the generated card.</summary>
    static string ImageOf(EventRecord e, string url) =>
        Own(e) ? $"{url}/image?v={Uri.EscapeDataString(e.ImageVersion!)}" : url + "/card.png";

    static bool Own(EventRecord e) =>
        e.ImageVersion is not null && e.ImageType is not null && e.ImageWidth is not null && e.ImageHeight is not null;

    static string Clip(string text) => text.Length <= DescriptionMax ? text : text[..(DescriptionMax - 1)] + "…";

    /// <summary>A time with the event's own offset (<c>2027-03-06T12:00:00+09:00</c>), as schema.org asks.</summary>
    static string Iso(DateTime utc, string zone)
    {
        var local = EventTime.Local(utc, zone);
        var offset = EventTime.Zone(zone).GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset)
            .ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    static JsonObject Event(EventDetails details, string url, string language, DateTime now)
    {
        var e = details.Event;
        var status = e.Status == EventStatus.Cancelled ? "EventCancelled"
            : e.PreviousStartsAt is not null ? "EventRescheduled" : "EventScheduled";
        var ld = new JsonObject
        {
            ["@context"] = "https://schema.org",
            ["@type"] = "Event",
            ["name"] = e.Title,
            ["description"] = e.Summary.Length > 0 ? e.Summary : e.Title,
            ["url"] = url,
            ["image"] = new JsonArray(ImageOf(e, url)),
            ["startDate"] = Iso(e.StartsAt, e.TimeZone),
            ["endDate"] = Iso(e.EndsAt, e.TimeZone),
            ["eventStatus"] = "https://schema.org/" + status,
            ["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode",
            ["location"] = new JsonObject { ["@type"] = "VirtualLocation", ["url"] = url },
            ["inLanguage"] = e.Language,
            ["isAccessibleForFree"] = true,
            ["offers"] = new JsonArray(details.Tickets.Select(t => (JsonNode)Offer(t, e, url, language, now)).ToArray()),
        };
        if (e.PreviousStartsAt is { } previous) ld["previousStartDate"] = Iso(previous, e.TimeZone);
        if (e.OrganiserName.Length > 0) ld["organizer"] = new JsonObject { ["@type"] = "Organization", ["name"] = e.OrganiserName };
        if (e.Speakers.Count > 0)
            ld["performer"] = new JsonArray(e.Speakers.Select(s => (JsonNode)Person(s)).ToArray());
        return ld;
    }

    static JsonObject Person(Speaker s)
    {
        var person = new JsonObject { ["@type"] = "Person", ["name"] = s.Name };
        if (s.Affiliation.Length > 0) person["affiliation"] = new JsonObject { ["@type"] = "Organization", ["name"] = s.Affiliation };
        return person;
    }

    /// <summary>Every ticket is free: the portal takes no payments.</summary>
    static JsonObject Offer(TicketTypeRecord t, EventRecord e, string url, string language, DateTime now)
    {
        var availability = t.SalesStart > now ? "PreOrder"
            : !t.IsOnSale(now, e) || (t.SeatsLeft == 0 && !t.Waitlist) ? "SoldOut"
            : "InStock";
        var offer = new JsonObject
        {
            ["@type"] = "Offer",
            ["name"] = t.Name(language),
            ["price"] = "0",
            ["priceCurrency"] = "JPY",
            ["availability"] = "https://schema.org/" + availability,
            ["url"] = url,
        };
        if (t.SalesStart is { } from) offer["validFrom"] = Iso(from, e.TimeZone);
        if (t.SalesEnd is { } until) offer["validThrough"] = Iso(until, e.TimeZone);
        return offer;
    }
}
