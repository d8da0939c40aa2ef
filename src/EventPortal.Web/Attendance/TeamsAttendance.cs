using EventPortal.Web.Meetings;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;

namespace EventPortal.Web.Attendance;

/// <summary>
/// A Teams meeting's attendance through Graph: <c>GET /users/{organiser}/onlineMeetings/{id}/attendanceReports</c>,
/// then each report's <c>attendanceRecords</c>, page by page (<c>@odata.nextLink</c>). Only reports of
/// sessions around the event's own time count (not a rehearsal the day before). Needs the application
/// permission <c>OnlineMeetingArtifact.Read.All</c> and the same application access policy as the meetings.
/// </summary>
public sealed class TeamsAttendance([FromKeyedServices(GraphUse.Meetings)] GraphServiceClient graph, IOptions<MeetingOptions> options)
{
    /// <summary>A session counts when it started within this long of the event's start or end.</summary>
    static readonly TimeSpan Slack = TimeSpan.FromHours(3);

    /// <summary>Every stay of every participant; null while Teams has no report of the event's session.</summary>
    public async Task<IReadOnlyList<ReportedStay>?> StaysAsync(MeetingEvent ev, CancellationToken ct)
    {
        if (options.Value.Teams.Mode != TeamsMode.OnlineMeeting)
            throw new GraphException(400, "NotSupported",
                "attendance reports are read for Mode=OnlineMeeting only; a calendar event's meeting or a linked webinar is not looked up",
                null);
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
            var page = await GraphCalls.RunAsync(() => records.GetAsync(cancellationToken: ct));
            while (page is not null)
            {
                foreach (var record in page.Value ?? []) stays.AddRange(Stays(record));
                if (string.IsNullOrEmpty(page.OdataNextLink)) break;
                var next = page.OdataNextLink;
                page = await GraphCalls.RunAsync(() => records.WithUrl(next).GetAsync(cancellationToken: ct));
            }
        }
        return stays;
    }

    /// <summary>Each interval is a stay; a record without intervals is one stay of its total time.</summary>
    static IEnumerable<ReportedStay> Stays(AttendanceRecord record)
    {
        var email = record.EmailAddress;
        var intervals = record.AttendanceIntervals ?? [];
        if (intervals.Count == 0)
            return [new ReportedStay(null, email, null, null, record.TotalAttendanceInSeconds ?? 0)];
        return intervals.Select(i => new ReportedStay(null, email, i.JoinDateTime, i.LeaveDateTime, i.DurationInSeconds ?? 0));
    }
}
