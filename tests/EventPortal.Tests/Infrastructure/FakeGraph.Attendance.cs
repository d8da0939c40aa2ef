using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>One participant of one session, as a test publishes them: each stay (join, leave) is an attendance interval.</summary>
public sealed record FakeAttendanceRecord(
    string? Email, string DisplayName, IReadOnlyList<(DateTimeOffset Join, DateTimeOffset Leave)> Stays, string Role = "Attendee")
{
    public FakeAttendanceRecord(string? email, string displayName, DateTimeOffset join, DateTimeOffset leave)
        : this(email, displayName, [(join, leave)]) { }

    /// <summary>Graph's record id: the participant's Entra object id (an anonymous guest gets one per record).</summary>
    public string Id { get; } = Guid.NewGuid().ToString();

    /// <summary>A webinar attendee's registration id (<c>registrationId</c>); null for a meeting or an unregistered attendee.</summary>
    public string? RegistrationId { get; init; }
}

/// <summary>One session's attendance report of an online meeting (a meeting may have several: a rehearsal, the event).</summary>
public sealed record FakeAttendanceReport(string Id, string MeetingId, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyList<FakeAttendanceRecord> Records);

/// <summary>
/// Attendance reports of Teams online meetings on the fake Graph, after the v1.0 reference (meetingAttendanceReport,
/// attendanceRecord): <c>GET /v1.0/users/{id}/onlineMeetings/{meetingId}/attendanceReports</c> →
/// <c>{"@odata.context", value:[{id, totalParticipantCount, meetingStartDateTime, meetingEndDateTime}]}</c> (an empty
/// value while the meeting has had no session); <c>GET …/attendanceReports/{reportId}/attendanceRecords</c> →
/// <c>{value:[{id, emailAddress, totalAttendanceInSeconds, role, identity:{id, displayName}, attendanceIntervals:[{joinDateTime,
/// leaveDateTime, durationInSeconds}]}], "@odata.nextLink"}</c>, <see cref="AttendanceRecordsPageSize"/> records a page, the
/// next page's absolute URL carrying an opaque <c>$skiptoken</c>. The same checks as the other meeting calls come first
/// (bearer token, user, programmed failures); an unknown or deleted meeting or report is 404 NotFound; anything but GET 405.
/// </summary>
public sealed partial class FakeGraph
{
    readonly List<FakeAttendanceReport> _attendanceReports = [];
    readonly Dictionary<string, (string ReportId, int Offset)> _skipTokens = new(StringComparer.Ordinal);
    int _attendanceRecordsPageSize = 100;

    /// <summary>Records on one page of attendanceRecords (Graph decides its own page size; tests make it small).</summary>
    public int AttendanceRecordsPageSize
    {
        get { lock (_gate) return _attendanceRecordsPageSize; }
        set { lock (_gate) _attendanceRecordsPageSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }
    }

    /// <summary>A session of the meeting has ended and Teams has its report: returns it.</summary>
    public FakeAttendanceReport AddAttendanceReport(string meetingId, DateTimeOffset start, DateTimeOffset end,
        IEnumerable<FakeAttendanceRecord> records)
    {
        var report = new FakeAttendanceReport(Guid.NewGuid().ToString(), meetingId, start, end, records.ToList());
        lock (_gate) _attendanceReports.Add(report);
        return report;
    }

    async Task AttendanceAsync(HttpContext context, string userId, string meetingId, string? reportId)
    {
        if (!await MeetingCallAllowedAsync(context, userId)) return;
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await GraphErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
            return;
        }
        List<FakeAttendanceReport> reports;
        bool known;
        lock (_gate)
        {
            known = _meetings.TryGetValue(meetingId, out var meeting) && !meeting.Deleted && meeting.UserId == userId;
            reports = _attendanceReports.Where(r => r.MeetingId == meetingId).ToList();
        }
        if (!known) { await GraphErrorAsync(context, 404, "NotFound", "The specified meeting was not found."); return; }
        var context0 = $"{BaseUrl}/$metadata#users('{userId}')/onlineMeetings('{meetingId}')/attendanceReports";
        if (reportId is null)
        {
            await WriteJsonAsync(context, 200, new Dictionary<string, object>
            {
                ["@odata.context"] = context0,
                ["value"] = reports.Select(r => new Dictionary<string, object>
                {
                    ["id"] = r.Id, ["totalParticipantCount"] = r.Records.Count,
                    ["meetingStartDateTime"] = GraphTime(r.Start), ["meetingEndDateTime"] = GraphTime(r.End),
                }).ToList(),
            });
            return;
        }
        var report = reports.FirstOrDefault(r => r.Id == reportId);
        if (report is null) { await GraphErrorAsync(context, 404, "NotFound", "The specified attendance report was not found."); return; }
        await AttendanceRecordsAsync(context, report, $"{context0}('{reportId}')/attendanceRecords");
    }

    async Task AttendanceRecordsAsync(HttpContext context, FakeAttendanceReport report, string odataContext)
    {
        int offset = 0, size;
        var skip = context.Request.Query["$skiptoken"].ToString();
        var valid = skip.Length == 0;
        lock (_gate)
        {
            size = _attendanceRecordsPageSize;
            if (!valid && _skipTokens.TryGetValue(skip, out var at) && at.ReportId == report.Id) (valid, offset) = (true, at.Offset);
        }
        if (!valid) { await GraphErrorAsync(context, 400, "BadRequest", "The $skiptoken is not valid."); return; }
        var body = new Dictionary<string, object>
        {
            ["@odata.context"] = odataContext,
            ["value"] = report.Records.Skip(offset).Take(size).Select(RecordJson).ToList(),
        };
        if (offset + size < report.Records.Count)
        {
            var token = Base64Url(RandomNumberGenerator.GetBytes(18));
            lock (_gate) _skipTokens[token] = (report.Id, offset + size);
            body["@odata.nextLink"] = $"{AuthorityHost}{context.Request.Path}?$skiptoken={token}";
        }
        await WriteJsonAsync(context, 200, body);
    }

    Dictionary<string, object?> RecordJson(FakeAttendanceRecord r) => new()
    {
        ["id"] = r.Id,
        ["emailAddress"] = r.Email,
        ["totalAttendanceInSeconds"] = (int)r.Stays.Sum(s => (s.Leave - s.Join).TotalSeconds),
        ["role"] = r.Role,
        ["registrationId"] = r.RegistrationId,
        ["identity"] = new Dictionary<string, object?>
        {
            ["@odata.type"] = "#microsoft.graph.communicationsUserIdentity",
            ["id"] = r.Id, ["displayName"] = r.DisplayName, ["tenantId"] = TenantId,
        },
        ["attendanceIntervals"] = r.Stays.Select(s => new Dictionary<string, object>
        {
            ["joinDateTime"] = GraphTime(s.Join), ["leaveDateTime"] = GraphTime(s.Leave),
            ["durationInSeconds"] = (int)(s.Leave - s.Join).TotalSeconds,
        }).ToList(),
    };

    static string GraphTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^/v1\\.0/users/([^/]+)/onlineMeetings/([^/]+)/attendanceReports(?:/([^/]+)/attendanceRecords)?$",
        RegexOptions.IgnoreCase)]
    private static partial Regex AttendancePath();
}
