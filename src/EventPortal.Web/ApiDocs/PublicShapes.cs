using System.ComponentModel;
using System.Text.Json;
using EventPortal.Web.Events;

namespace EventPortal.Web.ApiDocs;

// What the public JSON API sends and accepts, declared for the OpenAPI document only: the endpoints answer anonymous
// objects and read their bodies by hand (Events/EventsApi.cs, Registrations/RegistrationsApi.cs), so these records mirror
// them property by property. ApiDocumentTests compares real answers with them, so a change on one side fails there.

/// <summary>An item of <c>GET /api/events</c>: a published event that has not ended, soonest first.</summary>
public sealed record EventListItem(
    string Slug, string Title, string Summary, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    [property: Description("IANA time zone the event is shown in, e.g. Asia/Tokyo.")] string TimeZone,
    string Status, [property: Description("The event's public page.")] string Url);

/// <summary><c>GET /api/events/{slug}</c>: a published event with its tickets, seats left and categories.</summary>
public sealed record PublicEvent(
    string Slug, string Title, string Summary, string Description, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    string TimeZone, int DoorsOpenMinutes, string Status, string Venue, string Url, PublicOrganiser Organiser,
    IReadOnlyList<ProgrammeItem> Programme, IReadOnlyList<Speaker> Speakers, IReadOnlyList<PublicTicketType> TicketTypes,
    IReadOnlyList<PublicCategory> Categories);

public sealed record PublicOrganiser(string Name, string Contact);

public sealed record PublicTicketType(
    string Code, [property: Description("In the caller's language (Accept-Language or the culture cookie).")] string Name,
    LocalizedNames Names,
    [property: Description("Null: no limit.")] int? Capacity,
    [property: Description("Null: no limit.")] int? SeatsLeft,
    [property: Description("Registrations past capacity join a waitlist instead of being refused.")] bool Waitlist,
    bool OnSale);

public sealed record LocalizedNames(string Ja, string En);

public sealed record PublicCategory(string Code, string Name);

/// <summary>
/// <c>POST /api/events/{slug}/registrations</c>. Every property is optional to the reader: a missing one is reported by
/// the validator (422, by property name) like a wrong type is.
/// </summary>
public sealed record RegistrationRequest(
    string? FamilyName, string? GivenName,
    [property: Description("The name's reading (furigana).")] string? Reading,
    string? Email, string? EmailConfirmation, string? Organization,
    [property: Description("A category code of the event (GET /api/events/{slug}).")] string? Category,
    [property: Description("A ticket type code of the event.")] string? TicketType,
    string? Accessibility,
    [property: Description("A free-text question for the speakers.")] string? Questions,
    [property: Description("Consent to the event's stated purpose for personal data; required.")] bool? Consent,
    [property: Description("By question code: a string, a whole number, true or false (a checkbox), null, "
        + "or an array of strings (a multiple choice).")]
    IReadOnlyDictionary<string, JsonElement>? Answers);

/// <summary>201: registered, confirmed or waitlisted; the personal links are in the answer and in the mail.</summary>
public sealed record RegistrationCreated(
    [property: Description("confirmed or waitlisted.")] string Status, string ManageUrl, string InviteUrl);

/// <summary>202: the seat is held until the address is confirmed by the link mailed to it; nothing personal is answered.</summary>
public sealed record RegistrationPending(string Status, string? ManageUrl, string? InviteUrl, DateTime? HoldUntil, string Message);

/// <summary>200: the address is already registered; its confirmation is mailed again, nothing about it is answered.</summary>
public sealed record RegistrationExisting(string? Status, bool AlreadyRegistered, string? ManageUrl, string? InviteUrl, string Message);
