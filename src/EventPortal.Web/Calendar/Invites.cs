using EventPortal.Calendar;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Calendar;

/// <summary>
/// Turns events and registrations into calendar entries: the public PUBLISH entry, and each
/// registrant's REQUEST (or CANCEL) carrying their personal join link, never the meeting URL.
/// The route and, later, the confirmation mail both come here, so they cannot drift apart.
/// </summary>
public sealed class Invites(IOptions<CalendarOptions> calendar, IOptions<PortalOptions> portal, Tokens tokens)
{
    public string UidDomain =>
        calendar.Value.UidDomain is { Length: > 0 } d ? d
        : Uri.TryCreate(portal.Value.PublicBaseUrl, UriKind.Absolute, out var u) ? u.Host
        : "eventportal";

    public CalendarEvent PublicEvent(EventRecord e, string baseUrl, string language, DateTime now) => Base(e, baseUrl, language, now) with
    {
        Uid = $"event-{e.Id}@{UidDomain}",
        Location = e.Venue.Length > 0 ? e.Venue : null,
        Description = Lines(e.Summary, Text.Get("calendar.eventPage", language) + ": " + EventUrl(e, baseUrl)),
        Cancelled = e.Status == EventStatus.Cancelled,
    };

    /// <summary>
    /// REQUEST while the registration and the event stand; CANCEL once either is cancelled. <c>Personal</c> names the
    /// values that make it this person's (UID, join and manage links), for <see cref="IcsText"/>.
    /// </summary>
    public (CalendarMethod Method, CalendarEvent Entry, string[] Personal) ForRegistration(PersonalRegistration r, EventRecord e,
        string baseUrl, string language, DateTime now)
    {
        var cancelled = r.Status == RegistrationStatus.Cancelled || e.Status == EventStatus.Cancelled;
        var join = $"{baseUrl}/j/{tokens.Join(r.Id, r.TokenSeed)}";
        var manage = $"{baseUrl}/r/{tokens.Manage(r.Id, r.TokenSeed)}";
        var live = r.TicketKind == "live";
        var entry = Base(e, baseUrl, language, now) with
        {
            Uid = $"event-{e.Id}-reg-{r.Id}@{UidDomain}",
            // Both parts only ever grow, so every later invite outranks the ones before it, and a
            // cancellation outranks them all.
            Sequence = e.Sequence + r.InviteRevision + (cancelled ? 1 : 0),
            Cancelled = cancelled,
            Location = live ? join : (e.Venue.Length > 0 ? e.Venue : null),
            Description = Lines(
                e.Summary,
                r.Status == RegistrationStatus.Waitlisted ? Text.Get("calendar.waitlisted", language) : null,
                live ? Text.Get("calendar.joinLink", language) + ": " + join : Text.Get("calendar.recordingTicket", language),
                live && e.DoorsOpenMinutes > 0
                    ? string.Format(Text.Get("event.doorsOpen", language), EventTime.DoorsOpen(e.StartsAt, e.DoorsOpenMinutes, e.TimeZone))
                    : null,
                Text.Get("calendar.managePage", language) + ": " + manage,
                Text.Get("calendar.eventPage", language) + ": " + EventUrl(e, baseUrl)),
            Attendees = [new CalendarPerson(r.Email, string.Format(Text.Get("manage.nameFormat", language), r.FamilyName, r.GivenName))],
        };
        return (cancelled ? CalendarMethod.Cancel : CalendarMethod.Request, entry, [entry.Uid, join, manage]);
    }

    /// <summary>A registration's invite as text: the event's shared text with the person's values filled in.</summary>
    public static string IcsText((CalendarMethod Method, CalendarEvent Entry, string[] Personal) invite) =>
        InviteTemplates.Write(invite.Method, invite.Entry, invite.Personal);

    CalendarEvent Base(EventRecord e, string baseUrl, string language, DateTime now) => new()
    {
        Uid = "",
        Sequence = e.Sequence,
        StartUtc = DateTime.SpecifyKind(e.StartsAt, DateTimeKind.Utc),
        EndUtc = DateTime.SpecifyKind(e.EndsAt, DateTimeKind.Utc),
        TimeZoneId = e.TimeZone,
        StampUtc = now,
        Summary = e.Title,
        Url = EventUrl(e, baseUrl),
        Organizer = new CalendarPerson(
            e.OrganiserEmail.Length > 0 ? e.OrganiserEmail : $"noreply@{UidDomain}",
            e.OrganiserName.Length > 0 ? e.OrganiserName : Text.Get("site.name", language)),
        AlarmMinutesBefore = calendar.Value.AlarmMinutesBefore > 0 ? calendar.Value.AlarmMinutesBefore : null,
    };

    static string EventUrl(EventRecord e, string baseUrl) => $"{baseUrl}/events/{Uri.EscapeDataString(e.Slug)}";

    static string Lines(params string?[] lines) => string.Join("\n\n", lines.Where(l => !string.IsNullOrWhiteSpace(l)));
}
