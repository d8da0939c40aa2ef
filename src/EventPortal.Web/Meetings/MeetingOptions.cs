namespace EventPortal.Web.Meetings;

public enum MeetingProvider { Manual, Teams, Zoom }

/// <summary>
/// How a Teams meeting is made. <c>OnlineMeeting</c>: Graph onlineMeetings/createOrGet (permission
/// OnlineMeetings.ReadWrite.All plus an application access policy). <c>CalendarEvent</c>: an event
/// with a Teams meeting in the organiser's Outlook calendar (permission Calendars.ReadWrite, no
/// access policy), which also puts the briefing in the organiser's calendar. <c>Webinar</c>: an existing
/// Teams webinar the organiser links by its link or id in the event's meeting URL; each confirmed live
/// registrant is registered to it (permission VirtualEventRegistration-Anon.ReadWrite.All).
/// </summary>
public enum TeamsMode { OnlineMeeting, CalendarEvent, Webinar }

/// <summary>Settings under <c>EventPortal:Meetings</c>: the default provider and each provider's credentials.</summary>
public sealed class MeetingOptions
{
    public const string Section = "EventPortal:Meetings";

    /// <summary>The provider new events get; each event keeps its own in <c>events.meeting_provider</c>.</summary>
    public MeetingProvider Provider { get; set; } = MeetingProvider.Manual;
    public TeamsSettings Teams { get; set; } = new();
    public ZoomSettings Zoom { get; set; } = new();

    /// <summary>The app registration (<see cref="Shared.GraphOptions"/>, Graph's named settings "meetings")
    /// and whose meetings they are.</summary>
    public sealed class TeamsSettings : Shared.GraphOptions
    {
        /// <summary>The organiser's Entra object id (the application access policy is granted to this user).</summary>
        public string? OrganiserUserId { get; set; }
        /// <summary>The setting's earlier spelling, still read so existing configurations keep working.</summary>
        public string? OrganizerUserId { get => null; set => OrganiserUserId ??= value; }
        /// <summary>
        /// Who skips the lobby: everyone, organization, organizer, invited, organizationAndFederated…
        /// Everyone by default: a public briefing's attendees come from outside the organisation, and
        /// with "organization" each of them waits in the lobby until someone admits them one by one.
        /// </summary>
        public string LobbyBypass { get; set; } = "everyone";
        /// <summary><see cref="LobbyBypass"/> as Graph's value; null when empty (Teams' own default) or unknown.</summary>
        public Microsoft.Graph.Models.LobbyBypassScope? LobbyBypassScope =>
            Enum.TryParse<Microsoft.Graph.Models.LobbyBypassScope>(LobbyBypass, ignoreCase: true, out var scope)
            && scope != Microsoft.Graph.Models.LobbyBypassScope.UnknownFutureValue ? scope : null;
        public TeamsMode Mode { get; set; } = TeamsMode.OnlineMeeting;

        public bool Configured => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(ClientId)
            && !string.IsNullOrWhiteSpace(ClientSecret) && !string.IsNullOrWhiteSpace(OrganiserUserId);
    }

    public sealed class ZoomSettings
    {
        public string? AccountId { get; set; }
        public string? ClientId { get; set; }
        public string? ClientSecret { get; set; }
        public string UserId { get; set; } = "me";
        public string ApiBaseUrl { get; set; } = "https://api.zoom.us/v2";
        public string OAuthBaseUrl { get; set; } = "https://zoom.us";
        /// <summary>Each confirmed registration gets its own Zoom join link (meeting registration on, manual approval,
        /// approved by us).</summary>
        public bool RegistrantLinks { get; set; }
        /// <summary>
        /// A meeting (type 2) or a webinar (type 5: view-only attendees, Q&amp;A, panelists; the host needs a
        /// Zoom Webinars licence).
        /// </summary>
        public ZoomKind Kind { get; set; } = ZoomKind.Meeting;
        /// <summary>Personal join links: asked for, or always for a webinar, where every attendee is a registrant we add.</summary>
        public bool PersonalLinks => RegistrantLinks || Kind == ZoomKind.Webinar;

        public bool Configured => !string.IsNullOrWhiteSpace(AccountId) && !string.IsNullOrWhiteSpace(ClientId)
            && !string.IsNullOrWhiteSpace(ClientSecret);
    }

    public static IEnumerable<string> Validate(MeetingOptions o)
    {
        if (!IsWebUrl(o.Teams.GraphBaseUrl)) yield return "EventPortal:Meetings:Teams:GraphBaseUrl must be an absolute http(s) URL.";
        if (!IsWebUrl(o.Teams.AuthorityHost)) yield return "EventPortal:Meetings:Teams:AuthorityHost must be an absolute http(s) URL.";
        if (!string.IsNullOrWhiteSpace(o.Teams.LobbyBypass) && o.Teams.LobbyBypassScope is null)
            yield return $"EventPortal:Meetings:Teams:LobbyBypass '{o.Teams.LobbyBypass}' is not one of Graph's values " +
                         "(everyone, organization, organizationAndFederated, organizationExcludingGuests, invited, organizer).";
        if (!IsWebUrl(o.Zoom.ApiBaseUrl)) yield return "EventPortal:Meetings:Zoom:ApiBaseUrl must be an absolute http(s) URL.";
        if (!IsWebUrl(o.Zoom.OAuthBaseUrl)) yield return "EventPortal:Meetings:Zoom:OAuthBaseUrl must be an absolute http(s) URL.";
        if (string.IsNullOrWhiteSpace(o.Zoom.UserId)) yield return "EventPortal:Meetings:Zoom:UserId must not be empty (default: me).";
        if (o.Provider == MeetingProvider.Teams)
            foreach (var (name, value) in new[] { ("TenantId", o.Teams.TenantId), ("ClientId", o.Teams.ClientId),
                         ("ClientSecret", o.Teams.ClientSecret), ("OrganiserUserId", o.Teams.OrganiserUserId) })
                if (string.IsNullOrWhiteSpace(value))
                    yield return $"EventPortal:Meetings:Teams:{name} is required when EventPortal:Meetings:Provider is Teams.";
        if (o.Provider == MeetingProvider.Zoom)
            foreach (var (name, value) in new[] { ("AccountId", o.Zoom.AccountId), ("ClientId", o.Zoom.ClientId),
                         ("ClientSecret", o.Zoom.ClientSecret) })
                if (string.IsNullOrWhiteSpace(value))
                    yield return $"EventPortal:Meetings:Zoom:{name} is required when EventPortal:Meetings:Provider is Zoom.";
    }

    static bool IsWebUrl(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "https" or "http";
}

/// <summary>What the portal makes at Zoom for an event.</summary>
public enum ZoomKind { Meeting, Webinar }
