using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Infrastructure;

public enum FakeZoomFailure { RateLimited, ServerError }

/// <summary>One meeting the fake holds; secrets (start_url, password) included so tests can look for leaks.</summary>
public sealed record FakeZoomMeeting(long Id, string UserId, string Topic, string StartTime, string Timezone, int Duration, int ApprovalType,
    string JoinUrl, string StartUrl, string Password, string? Agenda, bool Deleted = false);

public sealed record FakeZoomRegistrant(long MeetingId, string RegistrantId, string Email, string FirstName, string LastName, bool AutoApprove, string JoinUrl,
    string Status = "approved");

/// <summary>
/// A loopback stand-in (plain HTTP) for Zoom's Server-to-Server OAuth and meetings API, after
/// Zoom's API reference (developers.zoom.us): <c>POST /oauth/token?grant_type=account_credentials&amp;account_id=…</c> with
/// Basic auth → <c>{access_token, token_type, expires_in, scope}</c> (401 invalid_client for wrong
/// credentials, 400 for a wrong grant or account); <c>POST /v2/users/{userId}/meetings</c> → 201;
/// <c>PATCH</c>/<c>DELETE /v2/meetings/{id}</c> → 204 (404 code 3001 when unknown);
/// <c>GET /v2/users/{userId}/meetings?type=scheduled&amp;page_size=…&amp;next_page_token=…</c> → 200 pages
/// (page_size 1–300, default 30; deleted meetings not listed); <c>POST /v2/meetings/{id}/registrants</c>
/// → 201; <c>PUT /v2/meetings/{id}/registrants/status</c> <c>{action, registrants:[{id, email}]}</c> → 204.
/// Errors are <c>{code, message}</c>; 401 code 124
/// without a valid token; 400 code 300 for a bad body or a body that is not JSON. <see cref="FailNext"/> programs 429/500.
/// </summary>
public sealed partial class FakeZoom : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly object _gate = new();
    readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    readonly Dictionary<long, FakeZoomMeeting> _meetings = [];
    readonly List<FakeZoomRegistrant> _registrants = [];
    readonly Queue<FakeZoomFailure> _failures = new();
    readonly List<string> _requests = [];
    int _tokensIssued;
    long _nextId = 81234567890;

    public string AccountId { get; } = "acct" + Guid.NewGuid().ToString("N")[..12];
    public string ClientId { get; } = "zc" + Guid.NewGuid().ToString("N")[..16];
    public string ClientSecret { get; } = "zoomsecret" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    public string BaseAddress { get; private set; } = "";
    public int TokensIssued { get { lock (_gate) return _tokensIssued; } }
    public IReadOnlyList<FakeZoomMeeting> Meetings { get { lock (_gate) return _meetings.Values.ToList(); } }
    public IReadOnlyList<FakeZoomRegistrant> Registrants { get { lock (_gate) return _registrants.ToList(); } }
    public IReadOnlyList<string> Requests { get { lock (_gate) return _requests.ToList(); } }
    /// <summary>Tokens the fake has issued (so tests can check none leaked).</summary>
    public IReadOnlyList<string> Tokens { get { lock (_gate) return _tokens.ToList(); } }

    FakeZoom(WebApplication app) => _app = app;

    public static async Task<FakeZoom> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeZoom(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return fake;
    }

    public Dictionary<string, string?> Settings(bool registrantLinks = false) => new()
    {
        ["EventPortal:Meetings:Provider"] = "Zoom",
        ["EventPortal:Meetings:Zoom:AccountId"] = AccountId,
        ["EventPortal:Meetings:Zoom:ClientId"] = ClientId,
        ["EventPortal:Meetings:Zoom:ClientSecret"] = ClientSecret,
        ["EventPortal:Meetings:Zoom:ApiBaseUrl"] = BaseAddress + "/v2",
        ["EventPortal:Meetings:Zoom:OAuthBaseUrl"] = BaseAddress,
        ["EventPortal:Meetings:Zoom:RegistrantLinks"] = registrantLinks ? "true" : "false",
    };

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

    /// <summary>Runs after a registrant is added and before Zoom's answer is sent (to let a test change the world in between).</summary>
    public Func<Task>? BeforeRegistrantAnswer { get; set; }

    public void FailNext(FakeZoomFailure failure, int times = 1)
    {
        lock (_gate) for (var i = 0; i < times; i++) _failures.Enqueue(failure);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        lock (_gate) _requests.Add($"{request.Method} {path}");
        if (path == "/oauth/token" && HttpMethods.IsPost(request.Method)) { await TokenAsync(context); return; }
        if (!path.StartsWith("/v2/", StringComparison.Ordinal)) { await ErrorAsync(context, 404, 404, "Not found."); return; }
        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : "";
        bool known;
        lock (_gate) known = _tokens.Contains(token);
        if (!known) { await ErrorAsync(context, 401, 124, "Invalid access token."); return; }
        FakeZoomFailure? failure = null;
        lock (_gate) if (_failures.Count > 0) failure = _failures.Dequeue();
        if (failure == FakeZoomFailure.RateLimited) { await ErrorAsync(context, 429, 429, "You have reached the maximum per-second rate limit for this API. Try again later."); return; }
        if (failure == FakeZoomFailure.ServerError) { await ErrorAsync(context, 500, 500, "Internal Error."); return; }
        // Zoom reads JSON bodies only.
        if ((HttpMethods.IsPost(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsPut(request.Method))
            && request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            await ErrorAsync(context, 400, 300, "Unsupported Content Type.");
            return;
        }
        Match m;
        if ((m = CreatePath().Match(path)).Success && HttpMethods.IsPost(request.Method)) await CreateAsync(context, m.Groups[1].Value);
        else if (m.Success && HttpMethods.IsGet(request.Method)) await ListAsync(context, m.Groups[1].Value);
        else if ((m = RegistrantStatusPath().Match(path)).Success && HttpMethods.IsPut(request.Method)) await RegistrantStatusAsync(context, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        else if ((m = RegistrantsPath().Match(path)).Success && HttpMethods.IsPost(request.Method)) await AddRegistrantAsync(context, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        else if ((m = MeetingPath().Match(path)).Success && HttpMethods.IsPatch(request.Method)) await PatchAsync(context, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        else if (m.Success && HttpMethods.IsDelete(request.Method)) await DeleteAsync(context, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        else await ErrorAsync(context, 404, 404, "Not found.");
    }

    async Task TokenAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
        if (context.Request.Headers.Authorization.ToString() != expected)
        {
            await WriteJsonAsync(context, 401, new Dictionary<string, object> { ["reason"] = "Invalid client_id or client_secret", ["error"] = "invalid_client" });
            return;
        }
        if (q["grant_type"] != "account_credentials")
        {
            await WriteJsonAsync(context, 400, new Dictionary<string, object> { ["reason"] = "Unsupported grant type", ["error"] = "unsupported_grant_type" });
            return;
        }
        if (q["account_id"] != AccountId)
        {
            await WriteJsonAsync(context, 400, new Dictionary<string, object> { ["reason"] = "Invalid request : Account does not exist.", ["error"] = "invalid_request" });
            return;
        }
        var token = "zt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        lock (_gate) { _tokens.Add(token); _tokensIssued++; }
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["access_token"] = token, ["token_type"] = "bearer", ["expires_in"] = 3599, ["scope"] = "meeting:write:admin meeting:read:admin", ["api_url"] = BaseAddress,
        });
    }

    async Task CreateAsync(HttpContext context, string userId)
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
        var approval = r.TryGetProperty("settings", out var st) && st.TryGetProperty("approval_type", out var a) && a.TryGetInt32(out var an) ? an : 2;
        if (string.IsNullOrEmpty(topic) || type != 2 || duration <= 0 || string.IsNullOrEmpty(timezone)
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
                $"https://us06web.zoom.us/j/{id}?pwd=joinpwd{id}", $"https://us06web.zoom.us/s/{id}?zak=startsecret{id}", $"pw{id % 1000000}", agenda);
            _meetings[id] = meeting;
        }
        await WriteJsonAsync(context, 201, new Dictionary<string, object>
        {
            ["id"] = meeting.Id, ["uuid"] = Guid.NewGuid().ToString(), ["host_id"] = "host1", ["topic"] = meeting.Topic, ["type"] = 2,
            ["start_time"] = meeting.StartTime, ["duration"] = meeting.Duration, ["timezone"] = meeting.Timezone,
            ["join_url"] = meeting.JoinUrl, ["start_url"] = meeting.StartUrl, ["password"] = meeting.Password,
            ["registration_url"] = $"https://us06web.zoom.us/meeting/register/{meeting.Id}",
        });
    }

    async Task PatchAsync(HttpContext context, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var m) && !m.Deleted;
            if (found)
                _meetings[id] = m! with
                {
                    Topic = r.TryGetProperty("topic", out var t) ? t.GetString()! : m.Topic,
                    StartTime = r.TryGetProperty("start_time", out var s) ? s.GetString()! : m.StartTime,
                    Duration = r.TryGetProperty("duration", out var d) ? d.GetInt32() : m.Duration,
                    Agenda = r.TryGetProperty("agenda", out var a) ? a.GetString() : m.Agenda,
                };
        }
        if (!found) await ErrorAsync(context, 404, 3001, $"Meeting does not exist: {id}.");
        else context.Response.StatusCode = 204;
    }

    async Task DeleteAsync(HttpContext context, long id)
    {
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var m) && !m.Deleted;
            if (found) _meetings[id] = m! with { Deleted = true };
        }
        if (!found) await ErrorAsync(context, 404, 3001, $"Meeting does not exist: {id}.");
        else context.Response.StatusCode = 204;
    }

    async Task AddRegistrantAsync(HttpContext context, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        var email = r.TryGetProperty("email", out var e) ? e.GetString() : null;
        FakeZoomMeeting? meeting;
        lock (_gate) meeting = _meetings.TryGetValue(id, out var m) && !m.Deleted ? m : null;
        if (meeting is null) { await ErrorAsync(context, 404, 3001, $"Meeting does not exist: {id}."); return; }
        if (meeting.ApprovalType == 2) { await ErrorAsync(context, 400, 3043, "Meeting registration is not enabled."); return; }
        if (string.IsNullOrEmpty(email) || !r.TryGetProperty("first_name", out var f)) { await ErrorAsync(context, 400, 300, "Validation Failed."); return; }
        var registrantId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var registrant = new FakeZoomRegistrant(id, registrantId, email, f.GetString()!, r.TryGetProperty("last_name", out var l) ? l.GetString() ?? "" : "",
            r.TryGetProperty("auto_approve", out var aa) && aa.ValueKind == JsonValueKind.True, $"https://us06web.zoom.us/w/{id}?tk={registrantId}");
        lock (_gate) _registrants.Add(registrant);
        if (BeforeRegistrantAnswer is { } hook) await hook();
        await WriteJsonAsync(context, 201, new Dictionary<string, object>
        {
            ["id"] = id, ["registrant_id"] = registrantId, ["topic"] = meeting.Topic, ["start_time"] = meeting.StartTime, ["join_url"] = registrant.JoinUrl,
        });
    }

    async Task ListAsync(HttpContext context, string userId)
    {
        if (userId != "me") { await ErrorAsync(context, 404, 1001, $"User does not exist: {userId}."); return; }
        var q = context.Request.Query;
        var pageSize = q.TryGetValue("page_size", out var ps) ? int.TryParse(ps, CultureInfo.InvariantCulture, out var n) ? n : -1 : 30;
        if (pageSize is < 1 or > 300 || (q.TryGetValue("type", out var type) && type != "scheduled" && type != "live" && type != "upcoming"))
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        var start = q.TryGetValue("next_page_token", out var token) && int.TryParse(token, CultureInfo.InvariantCulture, out var offset) ? offset : 0;
        List<FakeZoomMeeting> all;
        lock (_gate) all = _meetings.Values.Where(m => !m.Deleted).OrderBy(m => m.Id).ToList();
        var page = all.Skip(start).Take(pageSize).ToList();
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["page_size"] = pageSize, ["total_records"] = all.Count,
            ["next_page_token"] = start + pageSize < all.Count ? (start + pageSize).ToString(CultureInfo.InvariantCulture) : "",
            ["meetings"] = page.Select(m => new Dictionary<string, object?>
            {
                ["uuid"] = Guid.NewGuid().ToString(), ["id"] = m.Id, ["host_id"] = "host1", ["topic"] = m.Topic, ["type"] = 2,
                ["start_time"] = m.StartTime, ["duration"] = m.Duration, ["timezone"] = m.Timezone, ["agenda"] = m.Agenda,
                ["created_at"] = "2026-11-01T00:00:00Z", ["join_url"] = m.JoinUrl,
            }).ToList(),
        });
    }

    async Task RegistrantStatusAsync(HttpContext context, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var r = body.RootElement;
        var action = r.TryGetProperty("action", out var a) ? a.GetString() : null;
        if (action is not ("approve" or "cancel" or "deny") || !r.TryGetProperty("registrants", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        var ids = list.EnumerateArray().Select(x => x.TryGetProperty("id", out var i) ? i.GetString() : null).ToList();
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var m) && !m.Deleted;
            if (found)
                for (var i = 0; i < _registrants.Count; i++)
                    if (_registrants[i].MeetingId == id && ids.Contains(_registrants[i].RegistrantId))
                        _registrants[i] = _registrants[i] with { Status = action == "approve" ? "approved" : action == "cancel" ? "cancelled" : "denied" };
        }
        if (!found) await ErrorAsync(context, 404, 3001, $"Meeting does not exist: {id}.");
        else context.Response.StatusCode = 204;
    }

    static Task ErrorAsync(HttpContext context, int status, int code, string message) =>
        WriteJsonAsync(context, status, new Dictionary<string, object> { ["code"] = code, ["message"] = message });

    static async Task WriteJsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    [GeneratedRegex("^/v2/users/([^/]+)/meetings$")]
    private static partial Regex CreatePath();

    [GeneratedRegex("^/v2/meetings/([0-9]+)$")]
    private static partial Regex MeetingPath();

    [GeneratedRegex("^/v2/meetings/([0-9]+)/registrants/status$")]
    private static partial Regex RegistrantStatusPath();

    [GeneratedRegex("^/v2/meetings/([0-9]+)/registrants$")]
    private static partial Regex RegistrantsPath();
}
