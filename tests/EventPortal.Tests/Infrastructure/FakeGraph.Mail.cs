using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Infrastructure;

/// <summary>What the next sendMail call(s) answer instead of 202.</summary>
public enum FakeGraphFailure
{
    /// <summary>429 TooManyRequests with <c>Retry-After</c>.</summary>
    Throttled,
    /// <summary>500 ErrorInternalServerError.</summary>
    ServerError,
    /// <summary>503 ServiceUnavailable with <c>Retry-After</c>.</summary>
    Unavailable,
    /// <summary>400 ErrorInvalidRecipients.</summary>
    InvalidRecipients,
}

/// <summary>One message Graph accepted (202): the mailbox it was sent from and the decoded MIME bytes.</summary>
public sealed record FakeGraphMail(string UserId, byte[] Mime, DateTimeOffset ReceivedAt)
{
    /// <summary>The MIME as text (7-bit: the composer base64-encodes every part and RFC 2047-encodes the headers).</summary>
    public string Text => Encoding.ASCII.GetString(Mime);

    /// <summary>Parsed independently of the app, by tests/tools/mime_dump.py (Python's email package).</summary>
    public async Task<ReceivedMail> ParseAsync()
    {
        var directory = Directory.CreateTempSubdirectory("eventportal-fakegraph-mail-");
        try
        {
            var file = Path.Combine(directory.FullName, "message.eml");
            await File.WriteAllBytesAsync(file, Mime);
            await File.WriteAllTextAsync(Path.ChangeExtension(file, ".json"), "{}"); // no SMTP envelope here
            return await ReceivedMail.LoadAsync(file);
        }
        finally
        {
            try { directory.Delete(recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>
/// Mail on the fake Graph: <c>POST /v1.0/users/{id}/sendMail</c> with <c>Content-Type: text/plain</c>
/// and the base64 of a MIME message → 202; 401 InvalidAuthenticationToken without an issued bearer
/// token; 404 ErrorInvalidUser; 400 ErrorMimeContentInvalidBase64String / ErrorMimeContentInvalid.
/// <see cref="FailNext"/> queues failures for the next sendMail calls.
/// </summary>
public sealed partial class FakeGraph
{
    readonly Queue<(FakeGraphFailure Failure, int RetryAfterSeconds)> _failures = new();
    readonly List<FakeGraphMail> _mails = [];
    readonly List<DateTimeOffset> _sendMailCalls = [];

    /// <summary>When each sendMail call arrived, whatever it was answered.</summary>
    public IReadOnlyList<DateTimeOffset> SendMailCalls { get { lock (_gate) return _sendMailCalls.ToList(); } }
    /// <summary>Messages accepted with 202, oldest first.</summary>
    public IReadOnlyList<FakeGraphMail> Mails { get { lock (_gate) return _mails.ToList(); } }

    /// <summary>The next <paramref name="times"/> sendMail calls answer with <paramref name="failure"/>.</summary>
    public void FailNext(FakeGraphFailure failure, int times = 1, int retryAfterSeconds = 1)
    {
        lock (_gate) for (var i = 0; i < times; i++) _failures.Enqueue((failure, retryAfterSeconds));
    }

    /// <summary>App settings for the Graph transport pointed at this fake.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["EventPortal:Mail:Transport"] = "Graph",
        ["EventPortal:Mail:Graph:TenantId"] = TenantId,
        ["EventPortal:Mail:Graph:ClientId"] = ClientId,
        ["EventPortal:Mail:Graph:ClientSecret"] = ClientSecret,
        ["EventPortal:Mail:Graph:SenderUserId"] = SenderUserId,
        ["EventPortal:Mail:Graph:GraphBaseUrl"] = BaseUrl,
        ["EventPortal:Mail:Graph:AuthorityHost"] = AuthorityHost,
    };

    /// <summary>
    /// Registers mail's credential for this fake (the app's AddGraph then keeps it) and makes the
    /// Graph HttpClient trust the fake's certificate. <paramref name="clientSecret"/> overrides
    /// the secret, e.g. a wrong one.
    /// </summary>
    public void ConfigureServices(IServiceCollection services, string? clientSecret = null)
    {
        services.AddKeyedSingleton<TokenCredential>(GraphUse.Mail, CreateCredential(clientSecret));
        services.AddHttpClient(GraphServices.HttpClientName).ConfigurePrimaryHttpMessageHandler(CreateTrustingHandler);
    }

    /// <summary>Polls until at least <paramref name="count"/> messages were accepted.</summary>
    public async Task<IReadOnlyList<FakeGraphMail>> WaitForMailsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Mails.Count < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"Expected {count} message(s) through the fake Graph within {timeout.TotalSeconds:0.#} s, got {Mails.Count}. " +
                    $"Requests:\n  {string.Join("\n  ", Requests)}");
            await Task.Delay(50);
        }
        return Mails;
    }

    async Task SendMailAsync(HttpContext context, string userId)
    {
        var request = context.Request;
        lock (_gate) _sendMailCalls.Add(DateTimeOffset.UtcNow);

        if (!await BearerTokenIssuedAsync(context)) return;
        if (!_users.Contains(userId))
        {
            await GraphErrorAsync(context, 404, "ErrorInvalidUser", $"The requested user '{userId}' is invalid.");
            return;
        }
        // This fake implements only the MIME form of sendMail (the JSON form is application/json).
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "text/plain", StringComparison.OrdinalIgnoreCase))
        {
            await GraphErrorAsync(context, 415, "UnsupportedMediaType",
                $"Content-Type '{request.ContentType}' is not supported here; send MIME as text/plain.");
            return;
        }
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.ASCII)) body = await reader.ReadToEndAsync();
        byte[] mime;
        try { mime = Convert.FromBase64String(body); }
        catch (FormatException)
        {
            await GraphErrorAsync(context, 400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
            return;
        }
        if (MissingHeaders(mime) is { Count: > 0 } missing)
        {
            await GraphErrorAsync(context, 400, "ErrorMimeContentInvalid",
                $"Invalid MIME content (no {string.Join(", ", missing)} header).");
            return;
        }
        (FakeGraphFailure Failure, int RetryAfterSeconds)? failure = null;
        lock (_gate) if (_failures.Count > 0) failure = _failures.Dequeue();
        switch (failure)
        {
            case ({ } f, var seconds) when f is FakeGraphFailure.Throttled or FakeGraphFailure.Unavailable:
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (f == FakeGraphFailure.Throttled)
                    await GraphErrorAsync(context, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.");
                else
                    await GraphErrorAsync(context, 503, "ServiceUnavailable", "Service Unavailable");
                return;
            case (FakeGraphFailure.ServerError, _):
                await GraphErrorAsync(context, 500, "ErrorInternalServerError", "An internal server error occurred. The operation failed.");
                return;
            case (FakeGraphFailure.InvalidRecipients, _):
                await GraphErrorAsync(context, 400, "ErrorInvalidRecipients",
                    "At least one recipient isn't valid., Recipient is not resolved. " +
                    "All recipients must be resolved before a message can be submitted.");
                return;
        }
        lock (_gate) _mails.Add(new FakeGraphMail(userId, mime, DateTimeOffset.UtcNow));
        context.Response.StatusCode = 202;
        context.Response.Headers["request-id"] = Guid.NewGuid().ToString();
    }

    /// <summary>From, To and Subject must be in the header section, which must end with an empty line.</summary>
    static List<string> MissingHeaders(byte[] mime)
    {
        var text = Encoding.Latin1.GetString(mime).Replace("\r\n", "\n");
        var end = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (end < 0) return ["header section"];
        var names = text[..end].Split('\n')
            .Where(line => line.Length > 0 && line[0] is not (' ' or '\t') && line.Contains(':'))
            .Select(line => line[..line.IndexOf(':')].Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new[] { "From", "To", "Subject" }.Where(h => !names.Contains(h)).ToList();
    }

    [GeneratedRegex("^/v1\\.0/users/([^/]+)/sendMail$", RegexOptions.IgnoreCase)]
    private static partial Regex SendMailPath();
}
