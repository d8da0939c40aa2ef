using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>A session of a Teams webinar (a webinar has one), as the fake Graph holds it.</summary>
public sealed record FakeWebinarSession(string Id, string WebinarId, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// A linked webinar's sessions and their attendance reports on the fake Graph, after the v1.0 reference (List sessions for a
/// virtual event, meetingAttendanceReport, attendanceRecord): <c>GET /v1.0/solutions/virtualEvents/webinars/{id}/sessions</c> →
/// <c>{"@odata.context", value:[{id, subject, joinWebUrl, startDateTime:{dateTime, timeZone}, endDateTime}]}</c> (session
/// summaries); <c>GET …/sessions/{sessionId}/attendanceReports</c> → <c>{value:[{id, totalParticipantCount, meetingStartDateTime,
/// meetingEndDateTime}]}</c>; <c>GET …/attendanceReports/{reportId}/attendanceRecords</c> → the records, paged as for meetings,
/// each with the attendee's webinar <c>registrationId</c> when they registered. 404 NotFound for an unknown webinar, session or
/// report; 401 without an issued token; anything but GET 405.
/// </summary>
public sealed partial class FakeGraph
{
    readonly List<FakeWebinarSession> _webinarSessions = [];

    /// <summary>The webinar's session (Teams makes it with the webinar): its id, to hang attendance reports on.</summary>
    public string AddWebinarSession(string webinarId, DateTimeOffset start, DateTimeOffset end)
    {
        var session = new FakeWebinarSession("MSo" + Base64Url(RandomNumberGenerator.GetBytes(24)), webinarId, start, end);
        lock (_gate) _webinarSessions.Add(session);
        return session.Id;
    }

    async Task WebinarSessionsAsync(HttpContext context, string webinarId, string? sessionId, string? reportId)
    {
        if (!await BearerTokenIssuedAsync(context)) return;
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await GraphErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
            return;
        }
        bool known;
        List<FakeWebinarSession> sessions;
        List<FakeAttendanceReport> reports;
        lock (_gate)
        {
            known = _webinars.Contains(webinarId);
            sessions = _webinarSessions.Where(s => string.Equals(s.WebinarId, webinarId, StringComparison.OrdinalIgnoreCase)).ToList();
            reports = _attendanceReports.Where(r => sessions.Any(s => s.Id == r.MeetingId && s.Id == sessionId)).ToList();
        }
        var odata = $"{BaseUrl}/$metadata#solutions/virtualEvents/webinars('{webinarId}')/sessions";
        if (!known) await GraphErrorAsync(context, 404, "NotFound", $"The webinar '{webinarId}' was not found.");
        else if (sessionId is null)
            await WriteJsonAsync(context, 200, new Dictionary<string, object>
            {
                ["@odata.context"] = odata,
                ["value"] = sessions.Select(s => new Dictionary<string, object?>
                {
                    ["id"] = s.Id, ["subject"] = "成果報告会", ["joinWebUrl"] = $"https://teams.microsoft.com/l/meetup-join/{s.Id}",
                    ["startDateTime"] = Zoned(s.Start), ["endDateTime"] = Zoned(s.End),
                }).ToList(),
            });
        else if (sessions.All(s => s.Id != sessionId))
            await GraphErrorAsync(context, 404, "NotFound", "The specified session was not found.");
        else if (reportId is null)
            await WriteJsonAsync(context, 200, new Dictionary<string, object>
            {
                ["@odata.context"] = $"{odata}('{sessionId}')/attendanceReports",
                ["value"] = reports.Select(r => new Dictionary<string, object>
                {
                    ["id"] = r.Id, ["totalParticipantCount"] = r.Records.Count,
                    ["meetingStartDateTime"] = GraphTime(r.Start), ["meetingEndDateTime"] = GraphTime(r.End),
                }).ToList(),
            });
        else if (reports.FirstOrDefault(r => r.Id == reportId) is { } report)
            await AttendanceRecordsAsync(context, report, $"{odata}('{sessionId}')/attendanceReports('{reportId}')/attendanceRecords");
        else await GraphErrorAsync(context, 404, "NotFound", "The specified attendance report was not found.");
    }

    static Dictionary<string, string> Zoned(DateTimeOffset t) => new()
    {
        ["dateTime"] = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture), ["timeZone"] = "UTC",
    };

    [GeneratedRegex("^/v1\\.0/solutions/virtualEvents/webinars/([^/]+)/sessions"
        + "(?:/([^/]+)/attendanceReports(?:/([^/]+)/attendanceRecords)?)?$", RegexOptions.IgnoreCase)]
    private static partial Regex WebinarSessionsPath();
}
