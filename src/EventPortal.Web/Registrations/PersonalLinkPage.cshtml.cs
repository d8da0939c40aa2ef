using Dapper;
using EventPortal.Web.Attendance;
using EventPortal.Web.Calendar;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Registrations;

/// <summary>
/// <c>/j/{token}</c> and <c>/w/{token}</c>: a registrant's own door to the meeting and to the
/// recording. They redirect (302) only while the registration may use them; otherwise they
/// explain why not, or when the door opens. The meeting and recording URLs are read here and
/// nowhere public, and never written to a page or a log. The first join redirect is noted as
/// the registrant's attendance (<see cref="AttendanceMarks.RecordJoinAsync"/>).
/// </summary>
public sealed class PersonalLinkModel(Db db, Tokens tokens, TimeProvider clock, IOptions<CalendarOptions> options,
    ILogger<PersonalLinkModel> logger) : PageModel
{
    const string Select = """
        SELECT r.id, r.joined_at, r.status, r.token_seed, t.kind AS ticket_kind, e.slug, e.title, e.status AS event_status,
               e.starts_at, e.ends_at,
               e.time_zone, e.doors_open_minutes, e.join_opens_at, e.meeting_url, e.recording_url, e.recording_available_until,
               r.provider_join_url
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id JOIN events e ON e.id = r.event_id
        """;

    public sealed class Access
    {
        public long Id { get; init; }
        /// <summary>The first join redirect; the registrant "joined the room" (Attendance/).</summary>
        public DateTime? JoinedAt { get; init; }
        public string Status { get; init; } = "";
        public string TokenSeed { get; init; } = "";
        public string TicketKind { get; init; } = "";
        public string Slug { get; init; } = "";
        public string Title { get; init; } = "";
        public string EventStatus { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public string TimeZone { get; init; } = "";
        public int DoorsOpenMinutes { get; init; }
        public DateTime? JoinOpensAt { get; init; }
        public string? MeetingUrl { get; init; }
        /// <summary>The registrant's own Zoom join link, when the meeting has per-registrant links.</summary>
        public string? ProviderJoinUrl { get; init; }
        public string? RecordingUrl { get; init; }
        public DateTime? RecordingAvailableUntil { get; init; }
    }

    public Access Link { get; private set; } = null!;
    /// <summary>The text key that says why the door is shut.</summary>
    public string ReasonKey { get; private set; } = "";
    public DateTime OpensAt { get; private set; }
    /// <summary>The registrant's recording link, offered when the meeting is over or not theirs.</summary>
    public string? WatchPath { get; private set; }

    public async Task<IActionResult> OnGetAsync(string link, string token, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex";
        if (!Tokens.LooksValid(token)) return NotFound();
        var (purpose, column) = link == "j" ? (Tokens.JoinPurpose, "join_token_hash") : (Tokens.WatchPurpose, "watch_token_hash");
        await using (var connection = await db.OpenAsync(ct))
        {
            var found = await tokens.FindAsync<Access>(connection, purpose, token, Select, column, a => a.TokenSeed, ct);
            if (found is null) return NotFound();
            Link = found;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var target = link == "j" ? JoinTarget(now) : WatchTarget(now);
        if (target is not null)
        {
            if (link == "j" && Link.JoinedAt is null && HttpMethods.IsGet(Request.Method)
                && now >= Link.StartsAt.AddMinutes(-Link.DoorsOpenMinutes))
                await RecordJoinAsync(now);
            // Set by hand: RedirectResult logs its URL at Information level, and this one is a secret.
            Response.Headers.Location = target;
            return StatusCode(StatusCodes.Status302Found);
        }
        if (link == "j" && RecordingAvailable(now) && Link.Status == RegistrationStatus.Confirmed)
            WatchPath = $"/w/{tokens.Watch(Link.Id, Link.TokenSeed)}";
        return Page();
    }

    /// <summary>
    /// The first join in the door window is the registrant's attendance; a mail scanner's HEAD and a test click
    /// before the doors open are not. Noting it never keeps anyone from the meeting: a failed write is logged.
    /// </summary>
    async Task RecordJoinAsync(DateTime now)
    {
        try { await AttendanceMarks.RecordJoinAsync(db, Link.Id, now); }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not note the join of registration {Id}", Link.Id);
        }
    }

    string? JoinTarget(DateTime now)
    {
        var doorsOpen = Link.StartsAt.AddMinutes(-Link.DoorsOpenMinutes);
        OpensAt = Link.JoinOpensAt is { } early && early < doorsOpen ? early : doorsOpen;
        ReasonKey = Link switch
        {
            { Status: RegistrationStatus.Cancelled } => "link.cancelled",
            { EventStatus: Events.EventStatus.Cancelled } => "link.eventCancelled",
            { Status: RegistrationStatus.Waitlisted } => "link.waitlisted",
            { Status: RegistrationStatus.Pending } => "link.pending",
            { TicketKind: not "live" } => "link.recordingTicket",
            _ when now < OpensAt => "link.notYet",
            _ when now > Link.EndsAt.AddMinutes(options.Value.JoinGraceMinutes) => "link.ended",
            // A personal link is enough: a linked Teams webinar may be named by its bare id, which is no link.
            _ when !IsWebUrl(Link.MeetingUrl) && !IsWebUrl(Link.ProviderJoinUrl) => "link.notReady",
            _ => "",
        };
        return ReasonKey == "" ? (IsWebUrl(Link.ProviderJoinUrl) ? Link.ProviderJoinUrl : Link.MeetingUrl) : null;
    }

    string? WatchTarget(DateTime now)
    {
        ReasonKey = Link switch
        {
            { Status: RegistrationStatus.Cancelled } => "link.cancelled",
            { Status: RegistrationStatus.Waitlisted } => "link.waitlisted",
            { Status: RegistrationStatus.Pending } => "link.pending",
            _ when !IsWebUrl(Link.RecordingUrl) => "link.noRecordingYet",
            _ when !RecordingAvailable(now) => "link.recordingExpired",
            _ => "",
        };
        return ReasonKey == "" ? Link.RecordingUrl : null;
    }

    bool RecordingAvailable(DateTime now) =>
        IsWebUrl(Link.RecordingUrl) && (Link.RecordingAvailableUntil is null || now < Link.RecordingAvailableUntil);

    static bool IsWebUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";
}
