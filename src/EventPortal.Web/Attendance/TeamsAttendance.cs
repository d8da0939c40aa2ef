using EventPortal.Web.Meetings;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;

namespace EventPortal.Web.Attendance;

/// <summary>
/// A Teams event's attendance through Graph. A Teams meeting (<c>Mode=OnlineMeeting</c>):
/// <c>GET /users/{organiser}/onlineMeetings/{id}/attendanceReports</c>, only reports of sessions around the event's own
/// time (not a rehearsal the day before); permission <c>OnlineMeetingArtifact.Read.All</c>. A linked webinar
/// (<c>Mode=Webinar</c>): <c>GET /solutions/virtualEvents/webinars/{id}/sessions</c> (a webinar has one session; permission
/// <c>VirtualEvent.Read.All</c>), then each session's <c>attendanceReports</c> (<c>OnlineMeetingArtifact.Read.All</c>); every
/// report counts, since the webinar is the event's. Then each report's <c>attendanceRecords</c>, page by page
/// (<c>@odata.nextLink</c>). Both need the application access policy granted to the user whose meeting or webinar it is.
/// </summary>
public sealed class TeamsAttendance([FromKeyedServices(GraphUse.Meetings)] GraphServiceClient graph, IOptions<MeetingOptions> options)
{
    /// <summary>A session counts when it started within this long of the event's start or end.</summary>
    static readonly TimeSpan Slack = TimeSpan.FromHours(3);

    /// <summary>Every stay of every participant; null while Teams has no report of the event's session.</summary>
    public Task<IReadOnlyList<ReportedStay>?> StaysAsync(MeetingEvent ev, CancellationToken ct) => options.Value.Teams.Mode switch
    {
        TeamsMode.OnlineMeeting => MeetingStaysAsync(ev, ct),
        TeamsMode.Webinar => WebinarStaysAsync(ev, ct),
        _ => throw new GraphException(400, "NotSupported",
            "attendance reports are read for Mode=OnlineMeeting and Mode=Webinar; a calendar event's meeting is not looked up", null),
    };

    async Task<IReadOnlyList<ReportedStay>?> MeetingStaysAsync(MeetingEvent ev, CancellationToken ct)
    {
        var meeting = graph.Users[options.Value.Teams.OrganiserUserId].OnlineMeetings[ev.MeetingExternalId];
        var reports = await GraphCalls.RunAsync(() => meeting.AttendanceReports.GetAsync(cancellationToken: ct));
        var start = new DateTimeOffset(ev.StartsAt, TimeSpan.Zero);
        var end = new DateTimeOffset(ev.EndsAt, TimeSpan.Zero);
        var ours = (reports?.Value ?? []).Where(r => r.Id is not null
            && r.MeetingStartDateTime is { } s && s >= start - Slack && s <= end + Slack).ToList();
        if (ours.Count == 0) return null;
        var stays = new List<ReportedStay>();
        foreach (var report in ours)
        {
            var records = meeting.AttendanceReports[report.Id].AttendanceRecords;
            await ReadRecordsAsync(stays, next => next is null
                ? records.GetAsync(cancellationToken: ct) : records.WithUrl(next).GetAsync(cancellationToken: ct), registrations: false);
        }
        return stays;
    }

    /// <summary>
    /// A linked webinar's reports. Its records carry the attendee's webinar registration id, which is the
    /// registration's <c>provider_registrant_id</c>: a registrant who joined under another address still counts.
    /// </summary>
    async Task<IReadOnlyList<ReportedStay>?> WebinarStaysAsync(MeetingEvent ev, CancellationToken ct)
    {
        var webinar = graph.Solutions.VirtualEvents.Webinars[ev.MeetingExternalId];
        var sessions = await GraphCalls.RunAsync(() => webinar.Sessions.GetAsync(cancellationToken: ct));
        var stays = new List<ReportedStay>();
        var found = false;
        foreach (var session in (sessions?.Value ?? []).Where(s => s.Id is not null))
        {
            var reports = webinar.Sessions[session.Id].AttendanceReports;
            var list = await GraphCalls.RunAsync(() => reports.GetAsync(cancellationToken: ct));
            foreach (var report in (list?.Value ?? []).Where(r => r.Id is not null))
            {
                found = true;
                var records = reports[report.Id].AttendanceRecords;
                await ReadRecordsAsync(stays, next => next is null
                    ? records.GetAsync(cancellationToken: ct) : records.WithUrl(next).GetAsync(cancellationToken: ct), registrations: true);
            }
        }
        return found ? stays : null;
    }

    /// <summary>Every page of a report's records (<paramref name="page"/> gets null for the first, then each next link).</summary>
    static async Task ReadRecordsAsync(List<ReportedStay> stays, Func<string?, Task<AttendanceRecordCollectionResponse?>> page,
        bool registrations)
    {
        var current = await GraphCalls.RunAsync(() => page(null));
        while (current is not null)
        {
            foreach (var record in current.Value ?? []) stays.AddRange(Stays(record, registrations ? record.RegistrationId : null));
            if (string.IsNullOrEmpty(current.OdataNextLink)) break;
            var next = current.OdataNextLink;
            current = await GraphCalls.RunAsync(() => page(next));
        }
    }

    /// <summary>Each interval is a stay; a record without intervals is one stay of its total time.</summary>
    static IEnumerable<ReportedStay> Stays(AttendanceRecord record, string? registrationId)
    {
        var email = record.EmailAddress;
        var intervals = record.AttendanceIntervals ?? [];
        if (intervals.Count == 0)
            return [new ReportedStay(registrationId, email, null, null, record.TotalAttendanceInSeconds ?? 0)];
        return intervals.Select(i => new ReportedStay(registrationId, email, i.JoinDateTime, i.LeaveDateTime, i.DurationInSeconds ?? 0));
    }
}
