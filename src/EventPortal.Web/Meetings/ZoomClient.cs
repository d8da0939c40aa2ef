using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Meetings;

/// <summary>A Zoom API error: HTTP status, Zoom's numeric <c>code</c> and its message (never a token or secret).</summary>
public sealed class ZoomException(int status, int? code, string message, Exception? inner = null)
    : Exception(
        $"Zoom {status} {(code is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(no code)")}: {message}", inner)
{
    public int Status { get; } = status;
    public int? Code { get; } = code;
    public string ZoomMessage { get; } = message;
}

/// <summary>A meeting's or webinar's settings; a null one is not sent (join before host and mute exist for meetings only,
/// the follow-up mails and the survey for webinars only).</summary>
public sealed record ZoomMeetingSettings(
    [property: JsonPropertyName("approval_type")] int ApprovalType,
    [property: JsonPropertyName("registration_type")] int? RegistrationType,
    [property: JsonPropertyName("join_before_host")] bool? JoinBeforeHost,
    [property: JsonPropertyName("jbh_time")] int? JbhTime,
    [property: JsonPropertyName("mute_upon_entry")] bool? MuteUponEntry = true)
{
    [JsonPropertyName("registrants_confirmation_email")] public bool? RegistrantsConfirmationEmail { get; init; }
    [JsonPropertyName("registrants_email_notification")] public bool? RegistrantsEmailNotification { get; init; }
    [JsonPropertyName("follow_up_attendees_email_notification")] public ZoomEmailNotification? FollowUpAttendeesEmail { get; init; }
    [JsonPropertyName("follow_up_absentees_email_notification")] public ZoomEmailNotification? FollowUpAbsenteesEmail { get; init; }
    [JsonPropertyName("attendees_and_panelists_reminder_email_notification")]
    public ZoomEmailNotification? ReminderEmail { get; init; }
    [JsonPropertyName("post_webinar_survey")] public bool? PostWebinarSurvey { get; init; }
}

public sealed record ZoomEmailNotification([property: JsonPropertyName("enable")] bool Enable);

/// <summary>A scheduled meeting (type 2); <c>start_time</c> is local time in <c>timezone</c>.</summary>
public sealed record ZoomMeetingRequest(
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("type")] int Type,
    [property: JsonPropertyName("start_time")] string StartTime,
    [property: JsonPropertyName("timezone")] string Timezone,
    [property: JsonPropertyName("duration")] int Duration,
    [property: JsonPropertyName("agenda")] string? Agenda,
    [property: JsonPropertyName("settings")] ZoomMeetingSettings Settings);

/// <summary>What EventPortal keeps of Zoom's answer. start_url (a host key) and password are not read at all.</summary>
public sealed record ZoomMeeting(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("join_url")] string? JoinUrl,
    [property: JsonPropertyName("agenda")] string? Agenda = null);

/// <summary>One page of <c>GET /users/{userId}/meetings</c> (or <c>/webinars</c>, whose list is under "webinars").</summary>
public sealed record ZoomMeetingPage(
    [property: JsonPropertyName("meetings")] List<ZoomMeeting>? Meetings,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken,
    [property: JsonPropertyName("webinars")] List<ZoomMeeting>? Webinars = null);

/// <summary>The body of <c>PUT /meetings/{id}/registrants/status</c>.</summary>
public sealed record ZoomRegistrantStatusRequest(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("registrants")] IReadOnlyList<ZoomRegistrantRef> Registrants);

public sealed record ZoomRegistrantRef(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("email")] string? Email);

public sealed record ZoomRegistrantRequest(
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("first_name")] string FirstName,
    [property: JsonPropertyName("last_name")] string LastName,
    [property: JsonPropertyName("auto_approve")] bool? AutoApprove = true);

public sealed record ZoomRegistrant(
    [property: JsonPropertyName("registrant_id")] string? RegistrantId,
    [property: JsonPropertyName("join_url")] string? JoinUrl);

/// <summary>
/// A thin client for the Zoom endpoints EventPortal uses (Zoom API v2, developers.zoom.us): Server-to-Server
/// OAuth (account credentials), and meetings or webinars (<c>Zoom:Kind</c>: the same calls under
/// <c>/meetings</c> or <c>/webinars</c>). The access token is kept in memory until a minute
/// before it expires and dropped when Zoom answers 401. Nothing here retries; the outbox does.
/// </summary>
public sealed partial class ZoomClient(IHttpClientFactory httpClients, IOptions<MeetingOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "EventPortal.Zoom";
    static readonly JsonSerializerOptions Json =
        new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    readonly SemaphoreSlim _tokenGate = new(1, 1);
    string? _token;
    DateTimeOffset _tokenExpires;

    MeetingOptions.ZoomSettings Settings => options.Value.Zoom;
    /// <summary>Where meetings or webinars live in the API: <c>meetings</c> or <c>webinars</c>.</summary>
    string Kind => Settings.Kind == ZoomKind.Webinar ? "webinars" : "meetings";

    public async Task<ZoomMeeting> CreateMeetingAsync(ZoomMeetingRequest meeting, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, $"users/{Uri.EscapeDataString(Settings.UserId)}/{Kind}",
            JsonContent.Create(meeting, options: Json), ct);
        return await response.Content.ReadFromJsonAsync<ZoomMeeting>(Json, ct)
            ?? throw new ZoomException((int)response.StatusCode, null, "empty answer to a meeting create");
    }

    /// <summary>Zoom answers 204 with no body.</summary>
    public async Task UpdateMeetingAsync(long meetingId, ZoomMeetingRequest meeting, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Patch, $"{Kind}/{meetingId}", JsonContent.Create(meeting, options: Json), ct);
    }

    /// <summary>False when the meeting was gone already (404, Zoom code 3001).</summary>
    public async Task<bool> DeleteMeetingAsync(long meetingId, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Delete, $"{Kind}/{meetingId}", null, ct);
            return true;
        }
        catch (ZoomException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// The host's scheduled meeting whose agenda carries <paramref name="marker"/>, if any
    /// (<c>GET /users/{userId}/meetings?type=scheduled</c>, 300 a page, at most
    /// <paramref name="maxPages"/> pages). Zoom has no idempotency key, so this is how a retried
    /// create finds the meeting an earlier attempt made before it could record the id.
    /// </summary>
    public async Task<ZoomMeeting?> FindMeetingAsync(string marker, CancellationToken ct, int maxPages = 20)
    {
        string? next = null;
        for (var page = 0; page < maxPages; page++)
        {
            var path = $"users/{Uri.EscapeDataString(Settings.UserId)}/{Kind}?type=scheduled&page_size=300"
                + (string.IsNullOrEmpty(next) ? "" : "&next_page_token=" + Uri.EscapeDataString(next));
            using var response = await SendAsync(HttpMethod.Get, path, null, ct);
            var answer = await response.Content.ReadFromJsonAsync<ZoomMeetingPage>(Json, ct);
            var found = (answer?.Meetings ?? answer?.Webinars)?
                .FirstOrDefault(m => m.Agenda?.Contains(marker, StringComparison.Ordinal) == true);
            if (found is not null) return found;
            next = answer?.NextPageToken;
            if (string.IsNullOrEmpty(next)) return null;
        }
        return null;
    }

    /// <summary>Cancels one registrant (their join link stops working); Zoom answers 204. False when the meeting is gone (404).</summary>
    public Task<bool> CancelRegistrantAsync(long meetingId, string registrantId, string? email, CancellationToken ct) =>
        SetRegistrantStatusAsync(meetingId, "cancel", registrantId, email, ct);

    async Task<bool> SetRegistrantStatusAsync(long meetingId, string action, string registrantId, string? email, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Put, $"{Kind}/{meetingId}/registrants/status",
                JsonContent.Create(new ZoomRegistrantStatusRequest(action, [new ZoomRegistrantRef(registrantId, email)]),
                    options: Json), ct);
            return true;
        }
        catch (ZoomException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Adds an approved registrant. A meeting's registrant is approved by <c>auto_approve</c>; a
    /// webinar's add takes no such field, so the registrant is approved right after (approving twice
    /// is harmless, so a retry after a crash in between does no harm).
    /// </summary>
    public async Task<ZoomRegistrant> AddRegistrantAsync(long meetingId, ZoomRegistrantRequest registrant, CancellationToken ct)
    {
        var webinar = Settings.Kind == ZoomKind.Webinar;
        using var response = await SendAsync(HttpMethod.Post, $"{Kind}/{meetingId}/registrants",
            JsonContent.Create(webinar ? registrant with { AutoApprove = null } : registrant, options: Json), ct);
        var added = await response.Content.ReadFromJsonAsync<ZoomRegistrant>(Json, ct)
            ?? throw new ZoomException((int)response.StatusCode, null, "empty answer to a registrant add");
        if (webinar && added.RegistrantId is { } id) await SetRegistrantStatusAsync(meetingId, "approve", id, registrant.Email, ct);
        return added;
    }

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        var token = await TokenAsync(ct);
        using var request = new HttpRequestMessage(method, new Uri(BaseUri(Settings.ApiBaseUrl), path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized) ForgetToken(token);
            throw await ErrorAsync(response, ct);
        }
    }

    async Task<string> TokenAsync(CancellationToken ct)
    {
        await _tokenGate.WaitAsync(ct);
        try
        {
            if (_token is not null && clock.GetUtcNow() < _tokenExpires) return _token;
            var s = Settings;
            var url = new Uri(BaseUri(s.OAuthBaseUrl),
                $"oauth/token?grant_type=account_credentials&account_id={Uri.EscapeDataString(s.AccountId ?? "")}");
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{s.ClientId}:{s.ClientSecret}")));
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, ct);
            var answer = await response.Content.ReadFromJsonAsync<TokenAnswer>(Json, ct);
            if (string.IsNullOrEmpty(answer?.AccessToken))
                throw new ZoomException((int)response.StatusCode, null, "token endpoint answered without access_token");
            _token = answer.AccessToken;
            // Renewed a minute early so a token never expires between reading it and Zoom checking it.
            _tokenExpires = clock.GetUtcNow().AddSeconds(Math.Max(0, answer.ExpiresIn - 60));
            return _token;
        }
        finally
        {
            _tokenGate.Release();
        }
    }

    void ForgetToken(string token)
    {
        _tokenGate.Wait();
        try { if (_token == token) _token = null; }
        finally { _tokenGate.Release(); }
    }

    /// <summary>Zoom's <c>{code, message}</c>, or the OAuth endpoint's <c>{reason, error}</c>.</summary>
    static async Task<ZoomException> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        int? code = null;
        string? message = null;
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n)) code = n;
                if (root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = m.GetString();
                else if (root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String) message = r.GetString();
            }
        }
        catch (JsonException) { }
        catch (InvalidOperationException) { }
        message ??= response.ReasonPhrase ?? "";
        return new ZoomException(status, code, message.Length > 300 ? message[..300] : message);
    }

    static Uri BaseUri(string url) => new(url.EndsWith('/') ? url : url + "/");

    sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
