using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;

namespace EventPortal.Web.Shared;

/// <summary>
/// A Microsoft Graph error: the HTTP status, Graph's <c>error.code</c> (branch on that, not on
/// the message), its message, and the wait the service asked for (<c>Retry-After</c> on 429/503).
/// Status 401 with no response from Graph means the token itself could not be obtained.
/// </summary>
public sealed class GraphException(int status, string? code, string message, TimeSpan? retryAfter, Exception? inner = null)
    : Exception($"Graph {status} {code ?? "(no code)"}: {message}", inner)
{
    public int Status { get; } = status;
    public string? Code { get; } = code;
    public string GraphMessage { get; } = message;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    /// <summary>Graph's <c>request-id</c> header, for a support case with Microsoft.</summary>
    public string? RequestId { get; init; }
}

/// <summary>
/// A thin typed client for the few Graph endpoints EventPortal uses (mail, and the meetings of
/// README "Meetings: Teams and Zoom"), over HttpClient and System.Net.Http.Json, written when the
/// package registry lacked the Microsoft.Graph SDK (it serves it now; the SDK is to replace this). One instance per use of Graph
/// (<see cref="GraphUse"/>, registered by <see cref="GraphServices.AddGraph"/>), each with its own
/// credential and base URL. Tokens come from that <see cref="TokenCredential"/> (client
/// credentials; scope <see cref="Scope"/>): the credential (MSAL inside Azure.Identity) keeps the
/// token in its in-memory cache and hands the same one back until shortly before it expires, so
/// asking for it on every call costs nothing and no cache of our own is needed. The credential
/// must be a singleton for that to hold; it is made on the first call, so a use nobody configured
/// never builds one.
/// Nothing here retries: callers (the outbox) decide, using <see cref="GraphException.RetryAfter"/>.
/// </summary>
public sealed class GraphClient(IHttpClientFactory httpClients, Func<TokenCredential> credential, string baseUrl)
{
    /// <summary>Name of the HttpClient used for Graph calls (tests give it a handler that trusts their fake).</summary>
    public const string HttpClientName = "EventPortal.Graph";
    public const string Scope = "https://graph.microsoft.com/.default";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    readonly Lazy<TokenCredential> _credential = new(credential);
    // One token request at a time: parallel sends at start-up would each fetch a token before MSAL's
    // cache holds one; behind the gate the first fetches and the others read the cache.
    readonly SemaphoreSlim _tokenGate = new(1, 1);

    /// <summary>
    /// <c>POST /users/{userId}/sendMail</c> with the message as MIME: the body is the base64 of
    /// the RFC 5322 bytes, <c>Content-Type: text/plain</c>. Graph answers 202 Accepted and puts a
    /// copy in the sender's Sent Items. Recipients are taken from the To/Cc headers.
    /// </summary>
    public async Task SendMimeAsync(string userId, byte[] mime, CancellationToken ct)
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes(Convert.ToBase64String(mime)));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await SendAsync(HttpMethod.Post, $"users/{Uri.EscapeDataString(userId)}/sendMail", content, ct);
    }

    /// <summary>POST a JSON body, read a JSON answer (for the meeting endpoints to come).</summary>
    public async Task<TResponse> PostJsonAsync<TRequest, TResponse>(string path, TRequest body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, path, JsonContent.Create(body, options: Json), ct);
        return await response.Content.ReadFromJsonAsync<TResponse>(Json, ct)
            ?? throw new GraphException((int)response.StatusCode, null, $"empty answer from {path}", null);
    }

    /// <summary>
    /// <c>POST /users/{userId}/onlineMeetings/createOrGet</c>: idempotent by <c>externalId</c>, so
    /// asking again after a lost answer returns the meeting made the first time, not a second one.
    /// </summary>
    public Task<OnlineMeeting> CreateOrGetOnlineMeetingAsync(string userId, OnlineMeetingRequest meeting, CancellationToken ct) =>
        PostJsonAsync<OnlineMeetingRequest, OnlineMeeting>($"users/{Uri.EscapeDataString(userId)}/onlineMeetings/createOrGet", meeting, ct);

    /// <summary><c>PATCH /users/{userId}/onlineMeetings/{id}</c> (subject and times; externalId is not sent).</summary>
    public Task<OnlineMeeting> UpdateOnlineMeetingAsync(string userId, string meetingId, OnlineMeetingRequest meeting,
        CancellationToken ct) =>
        PatchJsonAsync<OnlineMeetingRequest, OnlineMeeting>(
            $"users/{Uri.EscapeDataString(userId)}/onlineMeetings/{Uri.EscapeDataString(meetingId)}",
            meeting with { ExternalId = null }, ct);

    /// <summary><c>DELETE /users/{userId}/onlineMeetings/{id}</c>; false when it was gone already (404).</summary>
    public Task<bool> DeleteOnlineMeetingAsync(string userId, string meetingId, CancellationToken ct) =>
        DeleteIfPresentAsync($"users/{Uri.EscapeDataString(userId)}/onlineMeetings/{Uri.EscapeDataString(meetingId)}", ct);

    /// <summary>
    /// <c>POST /users/{userId}/events</c>: a calendar event in the organiser's mailbox with a Teams
    /// meeting (<c>isOnlineMeeting</c>, <c>teamsForBusiness</c>). <c>transactionId</c> makes a retried
    /// POST return the event made the first time instead of a second one.
    /// </summary>
    public Task<GraphEvent> CreateEventAsync(string userId, GraphEventRequest calendarEvent, CancellationToken ct) =>
        PostJsonAsync<GraphEventRequest, GraphEvent>($"users/{Uri.EscapeDataString(userId)}/events", calendarEvent, ct);

    /// <summary><c>PATCH /users/{userId}/events/{id}</c> (subject, body and times; transactionId cannot change and is not sent).</summary>
    public Task<GraphEvent> UpdateEventAsync(string userId, string eventId, GraphEventRequest calendarEvent, CancellationToken ct) =>
        PatchJsonAsync<GraphEventRequest, GraphEvent>($"users/{Uri.EscapeDataString(userId)}/events/{Uri.EscapeDataString(eventId)}",
            calendarEvent with { TransactionId = null }, ct);

    /// <summary><c>DELETE /users/{userId}/events/{id}</c> (the Teams meeting goes with it); false when it was gone already (404).</summary>
    public Task<bool> DeleteEventAsync(string userId, string eventId, CancellationToken ct) =>
        DeleteIfPresentAsync($"users/{Uri.EscapeDataString(userId)}/events/{Uri.EscapeDataString(eventId)}", ct);

    async Task<TResponse> PatchJsonAsync<TRequest, TResponse>(string path, TRequest body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Patch, path, JsonContent.Create(body, options: Json), ct);
        return await response.Content.ReadFromJsonAsync<TResponse>(Json, ct)
            ?? throw new GraphException((int)response.StatusCode, null, $"empty answer from PATCH {path}", null);
    }

    /// <summary>DELETE; false when the thing was gone already (404), which is what the caller wanted.</summary>
    async Task<bool> DeleteIfPresentAsync(string path, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Delete, path, null, ct);
            return true;
        }
        catch (GraphException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends one request with a bearer token. A non-success answer becomes a
    /// <see cref="GraphException"/>; connection trouble stays an <see cref="HttpRequestException"/>
    /// and a timeout a <see cref="TaskCanceledException"/> (the caller's token not cancelled).
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        var token = await TokenAsync(ct);
        using var request = new HttpRequestMessage(method, Url(path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Add("client-request-id", Guid.NewGuid().ToString());
        var http = httpClients.CreateClient(HttpClientName);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ErrorAsync(response, ct);
    }

    /// <summary>Graph's paths are relative to the version root (…/v1.0/), so the base needs its trailing slash.</summary>
    Uri Url(string path) => new(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), path);

    async Task<string> TokenAsync(CancellationToken ct)
    {
        await _tokenGate.WaitAsync(ct);
        try
        {
            return (await _credential.Value.GetTokenAsync(new TokenRequestContext([Scope]), ct)).Token;
        }
        catch (AuthenticationFailedException e)
        {
            // Reported as 401 so callers treat it like a rejected token: an operator can fix it, the work waits.
            var (code, message) = TokenFailure.Of(e);
            throw new GraphException(401, code, message, null, e);
        }
        finally { _tokenGate.Release(); }
    }

    static async Task<GraphException> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        string? code = null, message = null;
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                if (error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) code = c.GetString();
                if (error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = m.GetString();
            }
        }
        catch (JsonException) { }
        message ??= text.Length > 0 ? FirstLine(text.Length > 300 ? text[..300] : text) : response.ReasonPhrase ?? "";
        return new GraphException(status, code, message, RetryAfter(response))
        {
            RequestId = response.Headers.TryGetValues("request-id", out var ids) ? ids.FirstOrDefault() : null,
        };
    }

    /// <summary>Retry-After as seconds (Graph's form) or an HTTP date; meaningful on 429 and 503.</summary>
    static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)) return null;
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is not { } date) return null;
        var wait = date - DateTimeOffset.UtcNow;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}

/// <summary>The body of an onlineMeetings create/update. Times are UTC.</summary>
public sealed record OnlineMeetingRequest(
    string Subject,
    DateTimeOffset StartDateTime,
    DateTimeOffset EndDateTime,
    string? ExternalId = null,
    LobbyBypassSettings? LobbyBypassSettings = null);

public sealed record LobbyBypassSettings(string Scope, bool IsDialInBypassEnabled = false);

/// <summary>What EventPortal reads of an onlineMeeting (the passcode is deliberately not read).</summary>
public sealed record OnlineMeeting(string Id, string? JoinWebUrl, string? Subject, string? ExternalId);

/// <summary>Graph's dateTimeTimeZone: local wall-clock time plus a zone name (IANA names are accepted).</summary>
public sealed record GraphDateTime(string DateTime, string TimeZone);

public sealed record GraphItemBody(string ContentType, string Content);

/// <summary>The body of a calendar event create/update that carries a Teams meeting.</summary>
public sealed record GraphEventRequest(
    string Subject,
    GraphItemBody Body,
    GraphDateTime Start,
    GraphDateTime End,
    string? TransactionId = null,
    bool IsOnlineMeeting = true,
    string OnlineMeetingProvider = "teamsForBusiness",
    bool AllowNewTimeProposals = false,
    bool ResponseRequested = false);

public sealed record OnlineMeetingInfo(string? JoinUrl);

/// <summary>What EventPortal reads of a calendar event: its id and the Teams join URL.</summary>
public sealed record GraphEvent(string Id, string? Subject, OnlineMeetingInfo? OnlineMeeting, string? TransactionId);
