using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Webhooks;

/// <summary>
/// Delivers <c>webhook.*</c> outbox rows: a signed JSON POST to the hook's URL. A 2xx answer is done; anything else,
/// and a network failure, is tried again with the outbox's back-off, up to <see cref="WebhookOptions.MaxAttempts"/>;
/// a target that is not a public address is refused at once and for good (and logged). A hook deleted or
/// disabled meanwhile gets nothing: the row is skipped. What the receiver answered is noted for the console.
/// </summary>
public sealed class WebhookHandler(Db db, IHttpClientFactory http, WebhookSecrets secrets, IOptions<WebhookOptions> options,
    TimeProvider clock, ILogger<WebhookHandler> logger) : IOutboxHandler
{
    public const string HttpClientName = "webhooks";
    public string KindPrefix => WebhookEvents.KindPrefix;

    sealed class Hook
    {
        public string Url { get; init; } = "";
        public string Secret { get; init; } = "";
        public bool IncludePersonal { get; init; }
        public bool Enabled { get; init; }
    }

    sealed class Subject
    {
        public long Id { get; init; }
        public string Slug { get; init; } = "";
        public string FamilyName { get; init; } = "";
        public string GivenName { get; init; } = "";
        public string Email { get; init; } = "";
    }

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        var queued = JsonSerializer.Deserialize<WebhookEvents.Queued>(row.Payload, JsonSerializerOptions.Web)
            ?? throw new OutboxException("Empty webhook payload.", permanent: true);
        await using var connection = await db.OpenAsync(ct);
        var hook = await connection.QuerySingleOrDefaultAsync<Hook>(new CommandDefinition(
            "SELECT url, secret, include_personal, enabled FROM webhooks WHERE id = @Hook", queued, cancellationToken: ct));
        if (hook is not { Enabled: true }) return OutboxResult.Skipped;
        var subject = row.RegistrationId is null ? null : await connection.QuerySingleOrDefaultAsync<Subject>(new CommandDefinition("""
            SELECT r.id, e.slug, r.family_name, r.given_name, r.email
            FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.id = @RegistrationId
            """, row, cancellationToken: ct));
        if (row.RegistrationId is not null && subject is null) return OutboxResult.Skipped;

        var body = Body(row, queued, subject, hook.IncludePersonal);
        var o = options.Value;
        var lastTry = row.Attempts >= o.MaxAttempts;
        if (WebhookTargets.ShapeProblem(hook.Url, o.AllowPrivateTargets, out var uri) is { } problem)
            throw Refused(row, hook.Url, problem);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("EventPortal-Signature", $"t={timestamp},v1={Sign(secrets.Unseal(hook.Secret), timestamp, body)}");
        request.Headers.Add("EventPortal-Delivery", DeliveryId(row));
        request.Headers.Add("EventPortal-Event", queued.Type);
        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is TargetRefusedException refused)
        {
            throw Refused(row, hook.Url, refused.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            await NoteAsync(row, null, e.Message, ct);
            throw new OutboxException($"POST {hook.Url}: {e.Message}", permanent: lastTry, e);
        }
        using (response)
        {
            var excerpt = await ExcerptAsync(response, ct);
            await NoteAsync(row, (int)response.StatusCode, excerpt, ct);
            if (response.IsSuccessStatusCode) return OutboxResult.Done;
            throw new OutboxException($"POST {hook.Url}: HTTP {(int)response.StatusCode} {excerpt}", permanent: lastTry)
            {
                RetryAfter = response.Headers.RetryAfter?.Delta,
            };
        }
    }

    /// <summary>Stable across retries, so a receiver can drop a delivery it has seen (the answer may have been lost).</summary>
    public static string DeliveryId(OutboxRow row) => DeliveryId(row.Id);

    public static string DeliveryId(long outboxId) => "whd_" + outboxId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>{"id", "type", "createdAt", "data": {registrationId, event, status, ticket, and with the hook's consent familyName,
    /// givenName, email}}</c>. Personal data is read now, not when queued, so an erasure in between is respected.
    /// </summary>
    static string Body(OutboxRow row, WebhookEvents.Queued queued, Subject? subject, bool personal)
    {
        var data = new JsonObject();
        if (subject is not null)
        {
            data["registrationId"] = subject.Id;
            data["event"] = subject.Slug;
            data["status"] = queued.Status;
            data["ticket"] = queued.Ticket;
            if (personal && !Erasure.IsErased(subject.Email))
            {
                data["familyName"] = subject.FamilyName;
                data["givenName"] = subject.GivenName;
                data["email"] = subject.Email;
            }
        }
        return new JsonObject
        {
            ["id"] = DeliveryId(row), ["type"] = queued.Type,
            ["createdAt"] = queued.At.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), ["data"] = data,
        }.ToJsonString();
    }

    /// <summary>Hex HMAC-SHA256 of <c>{timestamp}.{body}</c>: the timestamp is signed too, so an old delivery cannot pass as new.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    OutboxException Refused(OutboxRow row, string url, string why)
    {
        logger.LogWarning("Webhook delivery {Delivery} to {Url} refused: {Reason}", DeliveryId(row), url, why);
        return new OutboxException($"Refused: {url}: {why}", permanent: true);
    }

    /// <summary>The answer's first 200 characters at most: enough to see an error, never a stored copy of what a receiver sends.</summary>
    static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new char[200];
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
            var n = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
            return new string(buffer, 0, n);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return "";
        }
    }

    Task NoteAsync(OutboxRow row, int? status, string? response, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition("""
            UPDATE webhook_deliveries SET http_status = @status, response = @response, attempted_at = @now WHERE outbox_id = @Id
            """, new { row.Id, status, response = response?.Length > 200 ? response[..200] : response,
                now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct)), ct);
}
