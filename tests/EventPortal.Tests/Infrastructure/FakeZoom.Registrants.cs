using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>One registrant of a meeting, as Zoom keeps them (approved unless told otherwise).</summary>
public sealed record FakeZoomRegistrant(long MeetingId, string RegistrantId, string Email, string FirstName, string LastName,
    bool AutoApprove, string JoinUrl, string Status = "approved");

/// <summary>
/// Registrants on the fake Zoom: <c>POST /v2/meetings/{id}/registrants</c> → 201 (400 code 3043 when
/// the meeting takes no registration); <c>PUT /v2/meetings/{id}/registrants/status</c>
/// <c>{action, registrants:[{id, email}]}</c> → 204. The same under <c>/webinars</c>, where an add has no
/// <c>auto_approve</c>: with manual approval a new registrant is pending until approved.
/// </summary>
public sealed partial class FakeZoom
{
    readonly List<FakeZoomRegistrant> _registrants = [];

    public IReadOnlyList<FakeZoomRegistrant> Registrants { get { lock (_gate) return _registrants.ToList(); } }

    /// <summary>Runs after a registrant is added and before Zoom's answer is sent (to let a test change the world in between).</summary>
    public Func<Task>? BeforeRegistrantAnswer { get; set; }

    async Task AddRegistrantAsync(HttpContext context, string kind, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        var email = r.TryGetProperty("email", out var e) ? e.GetString() : null;
        FakeZoomMeeting? meeting;
        lock (_gate) meeting = _meetings.TryGetValue(id, out var m) && !m.Deleted && m.Kind == kind ? m : null;
        if (meeting is null) { await ErrorAsync(context, 404, 3001, Missing(kind, id)); return; }
        if (meeting.ApprovalType == 2) { await ErrorAsync(context, 400, 3043, "Meeting registration is not enabled."); return; }
        if (string.IsNullOrEmpty(email) || !r.TryGetProperty("first_name", out var f))
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        var registrantId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var autoApprove = kind == "meetings" && r.TryGetProperty("auto_approve", out var aa) && aa.ValueKind == JsonValueKind.True;
        var registrant = new FakeZoomRegistrant(id, registrantId, email, f.GetString()!,
            r.TryGetProperty("last_name", out var l) ? l.GetString() ?? "" : "", autoApprove,
            $"https://us06web.zoom.us/w/{id}?tk={registrantId}",
            Status: autoApprove || meeting.ApprovalType == 0 ? "approved" : "pending");
        lock (_gate) _registrants.Add(registrant);
        if (BeforeRegistrantAnswer is { } hook) await hook();
        await WriteJsonAsync(context, 201, new Dictionary<string, object>
        {
            ["id"] = id, ["registrant_id"] = registrantId, ["topic"] = meeting.Topic, ["start_time"] = meeting.StartTime,
            ["join_url"] = registrant.JoinUrl,
        });
    }

    async Task RegistrantStatusAsync(HttpContext context, string kind, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        var action = r.TryGetProperty("action", out var a) ? a.GetString() : null;
        if (action is not ("approve" or "cancel" or "deny")
            || !r.TryGetProperty("registrants", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        var ids = list.EnumerateArray().Select(x => x.TryGetProperty("id", out var i) ? i.GetString() : null).ToList();
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var m) && !m.Deleted && m.Kind == kind;
            if (found)
                for (var i = 0; i < _registrants.Count; i++)
                    if (_registrants[i].MeetingId == id && ids.Contains(_registrants[i].RegistrantId))
                        _registrants[i] = _registrants[i] with
                        {
                            Status = action == "approve" ? "approved" : action == "cancel" ? "cancelled" : "denied",
                        };
        }
        if (!found) await ErrorAsync(context, 404, 3001, Missing(kind, id));
        else context.Response.StatusCode = 204;
    }

    [GeneratedRegex("^/v2/(meetings|webinars)/([0-9]+)/registrants/status$")]
    private static partial Regex RegistrantStatusPath();

    [GeneratedRegex("^/v2/(meetings|webinars)/([0-9]+)/registrants$")]
    private static partial Regex RegistrantsPath();
}
