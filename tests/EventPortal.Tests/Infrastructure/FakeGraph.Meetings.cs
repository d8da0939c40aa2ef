using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Infrastructure;

/// <summary>One online meeting the fake Graph holds (deleted ones stay, marked).</summary>
public sealed record FakeOnlineMeeting(
    string Id, string UserId, string? ExternalId, string Subject, DateTimeOffset Start, DateTimeOffset End,
    string JoinWebUrl, string Passcode, string? LobbyBypass, bool Deleted = false);

/// <summary>
/// Teams online meetings on the fake Graph: <c>POST /v1.0/users/{id}/onlineMeetings/createOrGet</c>
/// (201 new, 200 when a meeting with that externalId exists; 400 InvalidRequest without subject,
/// startDateTime, endDateTime or externalId), <c>PATCH …/onlineMeetings/{meetingId}</c> (200) and
/// <c>DELETE</c> (204; 404 NotFound when unknown or gone). 401 without an issued bearer token,
/// 404 for an unknown user. Calendar events (FakeGraph.CalendarEvents.cs) pass the same checks
/// first; <see cref="FailNextMeeting"/> programs 429/500/503 answers for both.
/// </summary>
public sealed partial class FakeGraph
{
    readonly Dictionary<string, FakeOnlineMeeting> _meetings = new(StringComparer.Ordinal);
    readonly Queue<(FakeGraphFailure Failure, int RetryAfterSeconds)> _meetingFailures = new();
    int _meetingCalls;

    /// <summary>The Teams organiser: its Entra object id (the sender's object id, so one fake user does both).</summary>
    public string OrganiserUserId => SenderObjectId;

    public IReadOnlyList<FakeOnlineMeeting> OnlineMeetings { get { lock (_gate) return _meetings.Values.ToList(); } }
    /// <summary>Every onlineMeetings request, whatever it was answered.</summary>
    public int OnlineMeetingCalls { get { lock (_gate) return _meetingCalls; } }

    public int MeetingsWithExternalId(string externalId)
    {
        lock (_gate) return _meetings.Values.Count(m => m.ExternalId == externalId);
    }

    public void FailNextMeeting(FakeGraphFailure failure, int times = 1, int retryAfterSeconds = 1)
    {
        lock (_gate) for (var i = 0; i < times; i++) _meetingFailures.Enqueue((failure, retryAfterSeconds));
    }

    /// <summary>App settings for Teams meetings against this fake.</summary>
    public Dictionary<string, string?> MeetingSettings() => new()
    {
        ["EventPortal:Meetings:Provider"] = "Teams",
        ["EventPortal:Meetings:Teams:TenantId"] = TenantId,
        ["EventPortal:Meetings:Teams:ClientId"] = ClientId,
        ["EventPortal:Meetings:Teams:ClientSecret"] = ClientSecret,
        ["EventPortal:Meetings:Teams:OrganiserUserId"] = OrganiserUserId,
        ["EventPortal:Meetings:Teams:GraphBaseUrl"] = BaseUrl,
        ["EventPortal:Meetings:Teams:AuthorityHost"] = AuthorityHost,
    };

    /// <summary>The meetings' own credential and the Graph HttpClient, both trusting this fake.</summary>
    public void ConfigureMeetingServices(IServiceCollection services)
    {
        services.AddKeyedSingleton<TokenCredential>(GraphUse.Meetings, CreateCredential());
        services.AddHttpClient(GraphServices.HttpClientName).ConfigurePrimaryHttpMessageHandler(CreateTrustingHandler);
    }

    async Task OnlineMeetingsAsync(HttpContext context, string userId, string? rest)
    {
        if (!await MeetingCallAllowedAsync(context, userId)) return;
        var request = context.Request;
        if (rest == "createOrGet" && HttpMethods.IsPost(request.Method))
            await CreateOrGetAsync(context, userId);
        else if (rest is not null && rest != "createOrGet" && HttpMethods.IsPatch(request.Method))
            await PatchMeetingAsync(context, userId, rest);
        else if (rest is not null && rest != "createOrGet" && HttpMethods.IsDelete(request.Method))
            await DeleteMeetingAsync(context, userId, rest);
        else
            await GraphErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
    }

    /// <summary>
    /// What every meeting call goes through first: a bearer token we issued, a known user, a JSON body, a programmed failure.
    /// </summary>
    async Task<bool> MeetingCallAllowedAsync(HttpContext context, string userId)
    {
        lock (_gate) _meetingCalls++;
        var request = context.Request;
        if (!await BearerTokenIssuedAsync(context)) return false;
        if (!_users.Contains(userId))
        {
            await GraphErrorAsync(context, 404, "NotFound", $"The requested user '{userId}' is invalid.");
            return false;
        }
        if ((HttpMethods.IsPost(request.Method) || HttpMethods.IsPatch(request.Method))
            && request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            await GraphErrorAsync(context, 415, "UnsupportedMediaType",
                "A supported MIME type could not be found that matches the content type of the response.");
            return false;
        }
        (FakeGraphFailure Failure, int RetryAfterSeconds)? failure = null;
        lock (_gate) if (_meetingFailures.Count > 0) failure = _meetingFailures.Dequeue();
        switch (failure)
        {
            case (FakeGraphFailure.Throttled, var seconds):
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await GraphErrorAsync(context, 429, "TooManyRequests", "Too many requests.");
                return false;
            case (FakeGraphFailure.Unavailable, var seconds):
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await GraphErrorAsync(context, 503, "ServiceUnavailable", "Service Unavailable");
                return false;
            case (FakeGraphFailure.ServerError, _):
                await GraphErrorAsync(context, 500, "InternalServerError", "An internal server error occurred.");
                return false;
            case (FakeGraphFailure.InvalidRecipients, _):
                await GraphErrorAsync(context, 403, "Forbidden", "No application access policy found for this app.");
                return false;
        }
        return true;
    }

    async Task CreateOrGetAsync(HttpContext context, string userId)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var (subject, start, end, externalId) = (Text("subject"), Text("startDateTime"), Text("endDateTime"), Text("externalId"));
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(start) || string.IsNullOrEmpty(end) || string.IsNullOrEmpty(externalId))
        {
            await GraphErrorAsync(context, 400, "InvalidRequest",
                "subject, startDateTime, endDateTime and externalId are required for createOrGet.");
            return;
        }
        // createOrGet's documented body has no lobbyBypassSettings: a new meeting has Teams' default
        // until a PATCH sets it (the real service's default depends on the tenant's policy).
        string? lobby = null;
        FakeOnlineMeeting meeting;
        int status;
        lock (_gate)
        {
            var existing = _meetings.Values.FirstOrDefault(m => !m.Deleted && m.UserId == userId && m.ExternalId == externalId);
            if (existing is not null) (meeting, status) = (existing, 200);
            else
            {
                var id = "MSo" + Base64Url(RandomNumberGenerator.GetBytes(24));
                meeting = new FakeOnlineMeeting(id, userId, externalId, subject, DateTimeOffset.Parse(start, CultureInfo.InvariantCulture),
                    DateTimeOffset.Parse(end, CultureInfo.InvariantCulture),
                    NewJoinUrl(),
                    "Pass" + RandomNumberGenerator.GetInt32(100000, 999999).ToString(CultureInfo.InvariantCulture), lobby);
                _meetings[id] = meeting;
                status = 201;
            }
        }
        await WriteJsonAsync(context, status, MeetingJson(meeting));
    }

    async Task PatchMeetingAsync(HttpContext context, string userId, string id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        FakeOnlineMeeting? meeting;
        lock (_gate)
        {
            if (_meetings.TryGetValue(id, out meeting) && !meeting.Deleted && meeting.UserId == userId)
            {
                meeting = meeting with
                {
                    Subject = Text("subject") ?? meeting.Subject,
                    Start = Text("startDateTime") is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture) : meeting.Start,
                    End = Text("endDateTime") is { } e ? DateTimeOffset.Parse(e, CultureInfo.InvariantCulture) : meeting.End,
                    LobbyBypass = root.TryGetProperty("lobbyBypassSettings", out var l) && l.TryGetProperty("scope", out var sc)
                        ? sc.GetString() : meeting.LobbyBypass,
                };
                _meetings[id] = meeting;
            }
            else meeting = null;
        }
        if (meeting is null) await GraphErrorAsync(context, 404, "NotFound", "The specified meeting was not found.");
        else await WriteJsonAsync(context, 200, MeetingJson(meeting));
    }

    async Task DeleteMeetingAsync(HttpContext context, string userId, string id)
    {
        bool found;
        lock (_gate)
        {
            found = _meetings.TryGetValue(id, out var meeting) && !meeting.Deleted && meeting.UserId == userId;
            if (found) _meetings[id] = meeting! with { Deleted = true };
        }
        if (!found) await GraphErrorAsync(context, 404, "NotFound", "The specified meeting was not found.");
        else context.Response.StatusCode = 204;
    }

    /// <summary>A join link shaped like Teams' own, with a new thread id.</summary>
    static string NewJoinUrl() =>
        $"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{Base64Url(RandomNumberGenerator.GetBytes(12))}%40thread.v2/0";

    static Dictionary<string, object?> MeetingJson(FakeOnlineMeeting m) => new()
    {
        ["id"] = m.Id,
        ["externalId"] = m.ExternalId,
        ["subject"] = m.Subject,
        ["startDateTime"] = m.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
        ["endDateTime"] = m.End.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
        ["joinWebUrl"] = m.JoinWebUrl,
        ["joinMeetingIdSettings"] = new Dictionary<string, object>
        {
            ["joinMeetingId"] = "1234567890", ["passcode"] = m.Passcode, ["isPasscodeRequired"] = true
        },
        ["lobbyBypassSettings"] = new Dictionary<string, object?> { ["scope"] = m.LobbyBypass, ["isDialInBypassEnabled"] = false },
    };

    [GeneratedRegex("^/v1\\.0/users/([^/]+)/onlineMeetings(?:/([^/]+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex OnlineMeetingsPath();
}
