using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// One meeting or webinar (<see cref="Kind"/>: "meetings" or "webinars", the API's collection) the fake holds;
/// secrets (start_url, password) included so tests can look for leaks; <see cref="Settings"/> is the settings
/// object as last sent.
/// </summary>
public sealed record FakeZoomMeeting(long Id, string UserId, string Topic, string StartTime, string Timezone, int Duration,
    int ApprovalType, string JoinUrl, string StartUrl, string Password, string? Agenda, bool Deleted = false,
    string Kind = "meetings", string Settings = "{}")
{
    /// <summary>A boolean setting as sent, or null when it was not.</summary>
    public bool? Setting(string name) => JsonDocument.Parse(Settings).RootElement is var r && r.TryGetProperty(name, out var v)
        ? v.ValueKind == JsonValueKind.Object ? v.GetProperty("enable").GetBoolean() : v.GetBoolean()
        : null;
}

/// <summary>
/// Meetings on the fake Zoom: <c>POST /v2/users/{userId}/meetings</c> → 201;
/// <c>PATCH</c>/<c>DELETE /v2/meetings/{id}</c> → 204 (404 code 3001 when unknown);
/// <c>GET /v2/users/{userId}/meetings?type=scheduled&amp;page_size=…&amp;next_page_token=…</c> → 200 pages
/// (page_size 1–300, default 30; deleted meetings not listed). 400 code 300 for a bad body. Webinars the same
/// under <c>/webinars</c> (type 5, the list under "webinars"); an id of the other kind is unknown there.
/// </summary>
public sealed partial class FakeZoom
{
    readonly Dictionary<long, FakeZoomMeeting> _meetings = [];
    long _nextId = 81234567890;

    public IReadOnlyList<FakeZoomMeeting> Meetings { get { lock (_gate) return _meetings.Values.ToList(); } }

    /// <summary>Meetings the host made elsewhere (no EventPortal key in their agenda), to fill the list's pages.</summary>
    public void AddOtherMeetings(int count)
    {
        lock (_gate)
            for (var i = 0; i < count; i++)
            {
                var id = _nextId++;
                _meetings[id] = new FakeZoomMeeting(id, "me", $"定例会議 {i}", "2031-01-01T10:00:00", "Asia/Tokyo", 30, 2,
                    $"https://us06web.zoom.us/j/{id}", $"https://us06web.zoom.us/s/{id}", "pw", i % 3 == 0 ? null : "社内向け");
            }
    }

    static string Missing(string kind, long id) => $"{(kind == "webinars" ? "Webinar" : "Meeting")} does not exist: {id}.";

    async Task CreateAsync(HttpContext context, string userId, string kind)
    {
        if (userId != "me") { await ErrorAsync(context, 404, 1001, $"User does not exist: {userId}."); return; }
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        var topic = r.TryGetProperty("topic", out var t) ? t.GetString() : null;
        var start = r.TryGetProperty("start_time", out var s) ? s.GetString() : null;
        var timezone = r.TryGetProperty("timezone", out var z) ? z.GetString() : null;
        var type = r.TryGetProperty("type", out var ty) && ty.TryGetInt32(out var n) ? n : 0;
        var duration = r.TryGetProperty("duration", out var d) && d.TryGetInt32(out var dn) ? dn : 0;
        var agenda = r.TryGetProperty("agenda", out var ag) ? ag.GetString() : null;
        if (agenda?.Length > 2000) { await ErrorAsync(context, 400, 300, "Validation Failed."); return; }
        var approval = r.TryGetProperty("settings", out var st)
            && st.TryGetProperty("approval_type", out var a) && a.TryGetInt32(out var an) ? an : 2;
        if (string.IsNullOrEmpty(topic) || type != (kind == "webinars" ? 5 : 2) || duration <= 0 || string.IsNullOrEmpty(timezone)
            || !DateTime.TryParseExact(start, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        FakeZoomMeeting meeting;
        lock (_gate)
        {
            var id = _nextId++;
            meeting = new FakeZoomMeeting(id, userId, topic, start!, timezone, duration, approval,
                $"https://us06web.zoom.us/j/{id}?pwd=joinpwd{id}", $"https://us06web.zoom.us/s/{id}?zak=startsecret{id}",
                $"pw{id % 1000000}", agenda, Kind: kind, Settings: st.ValueKind == JsonValueKind.Object ? st.GetRawText() : "{}");
            _meetings[id] = meeting;
        }
        await WriteJsonAsync(context, 201, new Dictionary<string, object>
        {
            ["id"] = meeting.Id, ["uuid"] = Guid.NewGuid().ToString(), ["host_id"] = "host1", ["topic"] = meeting.Topic, ["type"] = type,
            ["start_time"] = meeting.StartTime, ["duration"] = meeting.Duration, ["timezone"] = meeting.Timezone,
            ["join_url"] = meeting.JoinUrl, ["start_url"] = meeting.StartUrl, ["password"] = meeting.Password,
            ["registration_url"] = $"https://us06web.zoom.us/{(kind == "webinars" ? "webinar" : "meeting")}/register/{meeting.Id}",
        });
    }

    async Task PatchAsync(HttpContext context, string kind, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var m) && !m.Deleted && m.Kind == kind;
            if (found)
                _meetings[id] = m! with
                {
                    Topic = r.TryGetProperty("topic", out var t) ? t.GetString()! : m.Topic,
                    StartTime = r.TryGetProperty("start_time", out var s) ? s.GetString()! : m.StartTime,
                    Duration = r.TryGetProperty("duration", out var d) ? d.GetInt32() : m.Duration,
                    Agenda = r.TryGetProperty("agenda", out var a) ? a.GetString() : m.Agenda,
                    Settings = r.TryGetProperty("settings", out var st) ? st.GetRawText() : m.Settings,
                };
        }
        if (!found) await ErrorAsync(context, 404, 3001, Missing(kind, id));
        else context.Response.StatusCode = 204;
    }

    async Task DeleteAsync(HttpContext context, string kind, long id)
    {
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var m) && !m.Deleted && m.Kind == kind;
            if (found) _meetings[id] = m! with { Deleted = true };
        }
        if (!found) await ErrorAsync(context, 404, 3001, Missing(kind, id));
        else context.Response.StatusCode = 204;
    }

    async Task ListAsync(HttpContext context, string userId, string kind)
    {
        if (userId != "me") { await ErrorAsync(context, 404, 1001, $"User does not exist: {userId}."); return; }
        var q = context.Request.Query;
        var pageSize = q.TryGetValue("page_size", out var ps) ? int.TryParse(ps, CultureInfo.InvariantCulture, out var n) ? n : -1 : 30;
        if (pageSize is < 1 or > 300
            || (q.TryGetValue("type", out var type) && type != "scheduled" && type != "live" && type != "upcoming"))
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        var start = q.TryGetValue("next_page_token", out var token) && int.TryParse(token, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : 0;
        List<FakeZoomMeeting> all;
        lock (_gate) all = _meetings.Values.Where(m => !m.Deleted && m.Kind == kind).OrderBy(m => m.Id).ToList();
        var page = all.Skip(start).Take(pageSize).ToList();
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["page_size"] = pageSize, ["total_records"] = all.Count,
            ["next_page_token"] = start + pageSize < all.Count ? (start + pageSize).ToString(CultureInfo.InvariantCulture) : "",
            [kind] = page.Select(m => new Dictionary<string, object?>
            {
                ["uuid"] = Guid.NewGuid().ToString(), ["id"] = m.Id, ["host_id"] = "host1", ["topic"] = m.Topic,
                ["type"] = kind == "webinars" ? 5 : 2,
                ["start_time"] = m.StartTime, ["duration"] = m.Duration, ["timezone"] = m.Timezone, ["agenda"] = m.Agenda,
                ["created_at"] = "2026-11-01T00:00:00Z", ["join_url"] = m.JoinUrl,
            }).ToList(),
        });
    }

    [GeneratedRegex("^/v2/users/([^/]+)/(meetings|webinars)$")]
    private static partial Regex CreatePath();

    [GeneratedRegex("^/v2/(meetings|webinars)/([0-9]+)$")]
    private static partial Regex MeetingPath();
}
