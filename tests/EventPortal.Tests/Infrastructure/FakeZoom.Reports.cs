using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// One stay of one participant in a past meeting, as a test publishes it: who (name, e-mail as typed at
/// Zoom, their registrant id when they came through a personal link) and from when to when. Someone
/// who left and came back is two stays.
/// </summary>
public sealed record FakeZoomParticipant(string Name, string? Email, DateTimeOffset JoinTime, DateTimeOffset LeaveTime,
    string? RegistrantId = null, string Status = "in_meeting");

/// <summary>
/// Past meetings' participants reports on the fake Zoom, after the API reference (Reports →
/// "Get meeting participant reports"): <c>GET /v2/report/meetings/{id}/participants?page_size=…&amp;next_page_token=…</c>
/// (and <c>/v2/report/webinars/{id}/participants</c>) → 200 <c>{page_count, page_size, total_records, next_page_token,
/// participants:[{id, user_id, name, user_email, join_time, leave_time, duration, registrant_id, status}]}</c>,
/// <c>duration</c> in seconds. page_size is 1–300 (default 30, 400 code 300 otherwise), cut to
/// <see cref="MaxReportPageSize"/> so tests can force several pages; next_page_token is opaque and
/// only this fake's own tokens are taken (400 code 300 otherwise); <see cref="FailReportPageOnce"/> makes one page
/// answer 500. Until a test has published a report
/// for the meeting (<see cref="SetParticipantsReport"/>), Zoom has none: 404 code 3001.
/// </summary>
public sealed partial class FakeZoom
{
    readonly Dictionary<long, List<FakeZoomParticipant>> _reports = [];
    /// <summary>next_page_token → (meeting, offset of the page it opens).</summary>
    readonly Dictionary<string, (long MeetingId, int Offset)> _reportPages = new(StringComparer.Ordinal);
    int _maxReportPageSize = 300;

    /// <summary>The most participants one report page carries, whatever page_size asks (Zoom's own limit is 300).</summary>
    public int MaxReportPageSize
    {
        get { lock (_gate) return _maxReportPageSize; }
        set { lock (_gate) _maxReportPageSize = value is >= 1 and <= 300 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }
    }

    int _reportRequests;

    /// <summary>Participants report requests answered (200 or an error).</summary>
    public int ReportRequests { get { lock (_gate) return _reportRequests; } }

    int? _failReportPage;

    /// <summary>The next request for page <paramref name="page"/> (1 = the first) of any report answers 500 once.</summary>
    public void FailReportPageOnce(int page)
    {
        lock (_gate) _failReportPage = page;
    }

    /// <summary>Publishes (or replaces) the participants report of a past meeting or webinar.</summary>
    public void SetParticipantsReport(long meetingId, IEnumerable<FakeZoomParticipant> participants)
    {
        var list = participants.ToList();
        lock (_gate) _reports[meetingId] = list;
    }

    /// <summary>Takes the report back: Zoom has none again (404).</summary>
    public void RemoveParticipantsReport(long meetingId)
    {
        lock (_gate) _reports.Remove(meetingId);
    }

    async Task ParticipantsReportAsync(HttpContext context, string kind, long id)
    {
        var q = context.Request.Query;
        var pageSize = q.TryGetValue("page_size", out var ps) ? int.TryParse(ps, CultureInfo.InvariantCulture, out var n) ? n : -1 : 30;
        if (pageSize is < 1 or > 300) { await ErrorAsync(context, 400, 300, "Validation Failed."); return; }
        List<FakeZoomParticipant>? report;
        int offset = 0, max;
        string? badToken = null;
        lock (_gate)
        {
            _reportRequests++;
            max = _maxReportPageSize;
            // A report exists only for a meeting of this kind (or for one the fake never made: a test may publish any id).
            var sameKind = !_meetings.TryGetValue(id, out var m) || m.Kind == kind;
            report = sameKind && _reports.TryGetValue(id, out var r) ? r.ToList() : null;
            if (q.TryGetValue("next_page_token", out var t) && t.ToString() is { Length: > 0 } token)
            {
                if (_reportPages.TryGetValue(token, out var opens) && opens.MeetingId == id) offset = opens.Offset;
                else badToken = token;
            }
        }
        if (report is null) { await ErrorAsync(context, 404, 3001, Missing(kind, id)); return; }
        if (badToken is not null) { await ErrorAsync(context, 400, 300, "The next page token is invalid or expired."); return; }
        var size = Math.Min(pageSize, max);
        bool fail;
        lock (_gate)
        {
            fail = _failReportPage == offset / size + 1;
            if (fail) _failReportPage = null;
        }
        if (fail) { await ErrorAsync(context, 500, 500, "Internal Error."); return; }
        var page = report.Skip(offset).Take(size).ToList();
        var next = "";
        if (offset + size < report.Count)
        {
            next = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            lock (_gate) _reportPages[next] = (id, offset + size);
        }
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["page_count"] = (report.Count + size - 1) / size,
            ["page_size"] = size,
            ["total_records"] = report.Count,
            ["next_page_token"] = next,
            ["participants"] = page.Select((p, i) => Participant(p, offset + i)).ToList(),
        });
    }

    /// <summary>One entry of the report; <c>registrant_id</c> only for someone who came through their own registrant link.</summary>
    static Dictionary<string, object?> Participant(FakeZoomParticipant p, int index)
    {
        var entry = new Dictionary<string, object?>
        {
            // The participant's id stays the same across their stays; user_id is new for each join.
            ["id"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes((p.Email ?? p.Name).ToLowerInvariant())))[..22],
            ["user_id"] = (16778240 + index).ToString(CultureInfo.InvariantCulture),
            ["name"] = p.Name,
            ["user_email"] = p.Email ?? "",
            ["join_time"] = ZoomTime(p.JoinTime),
            ["leave_time"] = ZoomTime(p.LeaveTime),
            ["duration"] = (int)(p.LeaveTime - p.JoinTime).TotalSeconds,
            ["attentiveness_score"] = "",
            ["failover"] = false,
            ["status"] = p.Status,
            ["customer_key"] = "",
        };
        if (p.RegistrantId is not null) entry["registrant_id"] = p.RegistrantId;
        return entry;
    }

    static string ZoomTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^/v2/report/(meetings|webinars)/([0-9]+)/participants$")]
    private static partial Regex ParticipantsReportPath();
}
