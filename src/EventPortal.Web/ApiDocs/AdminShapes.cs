using System.ComponentModel;
using System.Text.Json;
using EventPortal.Web.Events;

namespace EventPortal.Web.ApiDocs;

// What the admin API (/api/admin, bearer token) sends and accepts, declared for the OpenAPI document only: the endpoints
// answer anonymous objects and read their bodies by hand (Admin/EventsAdminApi.cs, Admin/EventsAdminJson.cs,
// Admin/RegistrationsAdminApi.cs, Reminders/RemindersApi.cs), so these records mirror them property by property.

/// <summary>An item of <c>GET /api/admin/events</c>: every event, drafts and cancelled ones too, latest first.</summary>
public sealed record AdminEventListItem(
    string Slug, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, string Status, int Sequence,
    string Url, IReadOnlyList<AdminTicketCount> TicketTypes);

public sealed record AdminTicketCount(string Code, int? Capacity, int Taken, long Waitlisted);

/// <summary>An event as organisers see it: everything, the meeting link included.</summary>
public sealed record AdminEvent(
    string Slug, string Title, string Summary, string Description, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    string TimeZone, int DoorsOpenMinutes, string Language,
    [property: Description("draft, published or cancelled.")] string Status,
    [property: Description("The iCalendar SEQUENCE: raised by each change of time or place that registrants are told of.")]
    int Sequence,
    string Venue, string OrganiserName, string OrganiserEmail, string Contact, string ConsentPurpose,
    [property: Description("Manual, Teams or Zoom.")] string MeetingProvider, string? MeetingUrl, string Url,
    IReadOnlyList<ProgrammeItem> Programme, IReadOnlyList<AdminSpeaker> Speakers, IReadOnlyList<AdminTicketType> TicketTypes,
    IReadOnlyList<AdminCategory> Categories, IReadOnlyList<AdminQuestion> Questions);

/// <summary>A speaker as organisers see them. The public event (page, API, JSON-LD) has the same speaker without the address.</summary>
public sealed record AdminSpeaker(
    string Name, string Affiliation, string? Role, string? Bio,
    [property: Description("Optional; never shown publicly. With a Zoom webinar the speaker is added as a panelist.")]
    string? Email);

public sealed record AdminTicketType(
    string Code, string Name, string NameEn, int? Capacity, int Taken, int Waitlisted, int? SeatsLeft, bool Waitlist,
    [property: Description("Double opt-in: the seat is held until the registrant confirms the address.")] bool ConfirmAddress,
    [property: Description("live (may join the meeting) or recording (gets the recording only).")] string Kind,
    DateTimeOffset? SalesStart, DateTimeOffset? SalesEnd);

public sealed record AdminCategory(string Code, string Name, string NameEn);

public sealed record AdminQuestion(
    string Code, [property: Description("text, longtext, single, multiple, checkbox, number or date.")] string Kind,
    string Label, string LabelEn, string Help, string HelpEn, bool Required, IReadOnlyList<AdminChoice> Options, long? Min,
    long? Max,
    [property: Description("Ticket codes the question is asked for; empty: every ticket.")] IReadOnlyList<string> Tickets,
    [property: Description("Ticket codes the question is required for; empty: every ticket it is asked for.")]
    IReadOnlyList<string> RequiredTickets);

public sealed record AdminChoice(string Label, string LabelEn);

/// <summary>
/// <c>POST /api/admin/events</c> (a draft) and <c>PATCH /api/admin/events/{slug}</c>: every property present is applied,
/// the others keep their value. Times are ISO 8601 with an offset. In a PATCH, ticket types are merged by code (only the
/// properties given change, a new code is added, <c>"remove": true</c> removes one); categories and questions, when
/// given, replace the list.
/// </summary>
public sealed record AdminEventRequest(
    [property: Description("Set on create; fixed afterwards.")] string? Slug, string? Title, string? Summary,
    string? Description, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? TimeZone, int? DoorsOpenMinutes,
    string? Language, string? Venue, string? OrganiserName, string? OrganiserEmail, string? Contact, string? ConsentPurpose,
    string? MeetingProvider, [property: Description("Null clears it.")] string? MeetingUrl,
    IReadOnlyList<ProgrammeItem>? Programme, IReadOnlyList<AdminSpeaker>? Speakers,
    IReadOnlyList<AdminTicketTypeRequest>? TicketTypes, IReadOnlyList<AdminCategory>? Categories,
    IReadOnlyList<AdminQuestionRequest>? Questions);

public sealed record AdminTicketTypeRequest(
    string Code, string? Name, string? NameEn, [property: Description("Null: no limit.")] int? Capacity, bool? Waitlist,
    bool? ConfirmAddress, string? Kind, DateTimeOffset? SalesStart, DateTimeOffset? SalesEnd,
    [property: Description("PATCH only: removes the ticket type with this code.")] bool? Remove);

public sealed record AdminQuestionRequest(
    string Code, string? Kind, string? Label, string? LabelEn, string? Help, string? HelpEn, bool? Required,
    IReadOnlyList<AdminChoice>? Options, long? Min, long? Max, IReadOnlyList<string>? Tickets,
    IReadOnlyList<string>? RequiredTickets);

/// <summary>An item of <c>GET /api/admin/events/{slug}/registrations</c> (the console's filters as query parameters).</summary>
public sealed record AdminRegistration(
    long Id, [property: Description("pending, confirmed, waitlisted or cancelled.")] string Status, string Ticket,
    string FamilyName, string GivenName, string Reading, string Email, string Organization, string? Category,
    string Accessibility, string Questions, IReadOnlyDictionary<string, JsonElement> Answers, string Language, bool? Attended,
    AdminAttendance Attendance, DateTime ConsentAt, DateTime CreatedAt, DateTime UpdatedAt, DateTime? PromotedAt,
    DateTime? CancelledAt);

public sealed record AdminAttendance(
    bool? Attended, [property: Description("Where the mark came from: console, import, api, join, zoom or teams.")] string? Source,
    DateTime? MarkedAt, [property: Description("Minutes in the meeting by the provider's report.")] int? Minutes,
    DateTime? JoinedAt);

/// <summary>An item of <c>PUT /api/admin/events/{slug}/attendance</c>; at most 5,000 per request.</summary>
public sealed record AttendanceMark(long Id, [property: Description("true, false, or null for \"not recorded\".")] bool? Attended);

/// <summary>How many registrations were marked, and the ids that are not registrations of the event.</summary>
public sealed record AttendanceResult(int Marked, IReadOnlyList<long> Unknown);

/// <summary>
/// An item of <c>PUT /api/admin/events/{slug}/reminders</c> (at most 10): the event's mail rules, replaced as a whole. A
/// missing property takes its default (the start, confirmed registrations, any attendance, the built-in text).
/// </summary>
public sealed record ReminderRuleRequest(
    [property: Description("Keeps a rule's identity when edited, so mail already sent for it is not sent again.")] long? Id,
    [property: Description("Minutes from the anchor; negative is before.")] int OffsetMinutes,
    [property: Description("live, recording, all, or t:{ticket code}.")] string Audience,
    [property: Description("start or end.")] string? Anchor,
    [property: Description("confirmed or waitlisted.")] string? Status, string? Category,
    [property: Description("any, attended, absent, unknown or not_attended.")] string? Attendance,
    [property: Description("Also sent to those who register after the rule's time has passed.")] bool? Late,
    string? SubjectJa, string? BodyJa, string? SubjectEn, string? BodyEn);

/// <summary><c>PUT /api/admin/events/{slug}/recording</c>: the recording's https URL, mailed to its audience.</summary>
public sealed record RecordingRequest(
    string Url, DateTimeOffset? AvailableUntil,
    [property: Description("recording, recording_and_absent (the default) or all.")] string? Audience);

public sealed record RecordingResult([property: Description("How many registrants are mailed the recording.")] int Recipients);

/// <summary>
/// <c>PATCH /api/admin/events/{slug}/registrations/{id}</c>: the registration API's fields, each optional (absent: kept);
/// <c>answers</c>, when given, replaces every answer.
/// </summary>
public sealed record RegistrationCorrection(
    string? FamilyName, string? GivenName, string? Reading, string? Email, string? Organization, string? Category,
    string? Accessibility, string? Questions, IReadOnlyDictionary<string, JsonElement>? Answers);

public sealed record RegistrationCorrected(long Id, [property: Description("False when nothing differed.")] bool Changed);

public sealed record RegistrationCancelled(long Id, string Status);

/// <summary><c>POST /api/admin/events/{slug}/registrations</c>: the registration API's fields, with staff's rules.</summary>
public sealed record StaffRegistrationRequest(
    string? FamilyName, string? GivenName, string? Reading,
    [property: Description("Optional: without one nothing is mailed, and the answer carries the personal link.")] string? Email,
    string? Organization, string? Category, string? TicketType, string? Accessibility, string? Questions,
    [property: Description("The person consented to the event's stated purpose (staff confirm it); required.")] bool? Consent,
    IReadOnlyDictionary<string, JsonElement>? Answers,
    [property: Description("phone, fax, counter or other (default other).")] string? Channel,
    [property: Description("ja or en: the language of the person's mail and pages (default the event's).")] string? Language);

/// <summary>201 for a new registration; 200 when the same Idempotency-Key was sent before (repeated: true).</summary>
public sealed record StaffRegistrationAdded(long Id, string Status,
    [property: Description("The personal page, only when there is no address to mail it to.")] string? ManageUrl, bool Repeated);
