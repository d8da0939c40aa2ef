using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
    /// <summary>The MIME as text (it is 7-bit: System.Net.Mail encodes everything).</summary>
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
/// A loopback stand-in for the Microsoft identity platform's token endpoint and Microsoft Graph
/// <c>sendMail</c>, on Kestrel over HTTPS with a self-signed certificate made here (MSAL refuses
/// an authority that is not HTTPS). It follows the documented request and answer shapes and
/// rejects what the real services reject:
/// <list type="bullet">
/// <item><c>POST /{tenant}/oauth2/v2.0/token</c> (client credentials, form-encoded) →
/// <c>{token_type, expires_in, ext_expires_in, access_token}</c>; a wrong secret → 401
/// invalid_client; an unknown client → 400 unauthorized_client (AADSTS700016); a missing field
/// → 400 invalid_request; an unknown tenant → 400 invalid_request (AADSTS90002).</item>
/// <item><c>GET /common/discovery/instance</c> and <c>GET /{tenant}/v2.0/.well-known/openid-configuration</c>
/// (in case MSAL asks; with <c>DisableInstanceDiscovery</c> it does not).</item>
/// <item><c>POST /v1.0/users/{id}/sendMail</c> with <c>Content-Type: text/plain</c> and the base64 of
/// a MIME message → 202; 401 InvalidAuthenticationToken without an issued bearer token; 404
/// ErrorInvalidUser; 400 ErrorMimeContentInvalidBase64String / ErrorMimeContentInvalid.</item>
/// </list>
/// <item><c>/v1.0/users/{id}/onlineMeetings/createOrGet</c>, <c>PATCH</c> and <c>DELETE …/onlineMeetings/{meetingId}</c>:
/// see FakeGraph.Meetings.cs.</item>
/// <see cref="FailNext"/> queues failures for the next sendMail calls.
/// </summary>
public sealed partial class FakeGraph : IAsyncDisposable
{
    public const string GraphScope = "https://graph.microsoft.com/.default";

    readonly WebApplication _app;
    readonly X509Certificate2 _certificate;
    readonly string _thumbprint;
    readonly object _gate = new();
    readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    readonly HashSet<string> _users = new(StringComparer.OrdinalIgnoreCase);
    readonly Queue<(FakeGraphFailure Failure, int RetryAfterSeconds)> _failures = new();
    readonly List<FakeGraphMail> _mails = [];
    readonly List<DateTimeOffset> _sendMailCalls = [];
    readonly List<string> _requests = [];
    int _tokenRequests, _tokensIssued;

    public string TenantId { get; } = Guid.NewGuid().ToString();
    public string ClientId { get; } = Guid.NewGuid().ToString();
    public string ClientSecret { get; } = "fake~" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
    /// <summary>The sending mailbox (a UPN; its object id <see cref="SenderObjectId"/> works too).</summary>
    public string SenderUserId { get; } = "events@contoso.example";
    public string SenderObjectId { get; } = Guid.NewGuid().ToString();

    /// <summary>For <c>AuthorityHost</c>: <c>https://127.0.0.1:{port}</c>.</summary>
    public string AuthorityHost { get; private set; } = "";
    /// <summary>For <c>GraphBaseUrl</c>: <c>https://127.0.0.1:{port}/v1.0</c>.</summary>
    public string BaseUrl => AuthorityHost + "/v1.0";

    /// <summary>Calls to the token endpoint, answered or refused.</summary>
    public int TokenRequests { get { lock (_gate) return _tokenRequests; } }
    public int TokensIssued { get { lock (_gate) return _tokensIssued; } }
    /// <summary>When each sendMail call arrived, whatever it was answered.</summary>
    public IReadOnlyList<DateTimeOffset> SendMailCalls { get { lock (_gate) return _sendMailCalls.ToList(); } }
    /// <summary>Messages accepted with 202, oldest first.</summary>
    public IReadOnlyList<FakeGraphMail> Mails { get { lock (_gate) return _mails.ToList(); } }
    /// <summary>Every request as "METHOD /path?query", oldest first.</summary>
    public IReadOnlyList<string> Requests { get { lock (_gate) return _requests.ToList(); } }

    FakeGraph(WebApplication app, X509Certificate2 certificate)
    {
        (_app, _certificate) = (app, certificate);
        _thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        _users.Add(SenderUserId);
        _users.Add(SenderObjectId);
    }

    public static async Task<FakeGraph> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration()
            .ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var fake = new FakeGraph(app, certificate);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.AuthorityHost = new Uri(address).GetLeftPart(UriPartial.Authority);
        return fake;
    }

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
        services.AddHttpClient(GraphClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(CreateTrustingHandler);
    }

    /// <summary>
    /// A ClientSecretCredential against this fake: trusts its certificate and skips instance
    /// discovery (for a host MSAL does not know it would otherwise ask login.microsoftonline.com).
    /// </summary>
    public TokenCredential CreateCredential(string? clientSecret = null, string? clientId = null) =>
        new ClientSecretCredential(TenantId, clientId ?? ClientId, clientSecret ?? ClientSecret, new ClientSecretCredentialOptions
        {
            AuthorityHost = new Uri(AuthorityHost),
            Transport = new HttpClientTransport(CreateTrustingHandler()),
            DisableInstanceDiscovery = true,
        });

    /// <summary>A handler that trusts this fake's certificate, and only that one, besides the usual chain.</summary>
    public HttpMessageHandler CreateTrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _thumbprint),
        },
    };

    /// <summary>Polls until at least <paramref name="count"/> messages were accepted.</summary>
    public async Task<IReadOnlyList<FakeGraphMail>> WaitForMailsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Mails.Count < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected {count} message(s) through the fake Graph within {timeout.TotalSeconds:0.#} s, got {Mails.Count}. " +
                    $"Requests:\n  {string.Join("\n  ", Requests)}");
            await Task.Delay(50);
        }
        return Mails;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    // ---- the services -------------------------------------------------------------------

    async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        lock (_gate) _requests.Add($"{request.Method} {path}{request.QueryString}");
        Match m;
        if (HttpMethods.IsPost(request.Method) && (m = TokenPath().Match(path)).Success)
            await TokenAsync(context, m.Groups[1].Value);
        else if (HttpMethods.IsGet(request.Method) && path == "/common/discovery/instance")
            await InstanceDiscoveryAsync(context);
        else if (HttpMethods.IsGet(request.Method) && (m = OpenIdPath().Match(path)).Success)
            await OpenIdConfigurationAsync(context, m.Groups[1].Value);
        else if ((m = SendMailPath().Match(path)).Success)
        {
            if (!HttpMethods.IsPost(request.Method))
                await GraphErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
            else await SendMailAsync(context, Uri.UnescapeDataString(m.Groups[1].Value));
        }
        else if ((m = OnlineMeetingsPath().Match(path)).Success)
            await OnlineMeetingsAsync(context, Uri.UnescapeDataString(m.Groups[1].Value), m.Groups[2].Success ? Uri.UnescapeDataString(m.Groups[2].Value) : null);
        else if ((m = CalendarEventsPath().Match(path)).Success)
            await CalendarEventsAsync(context, Uri.UnescapeDataString(m.Groups[1].Value), m.Groups[2].Success ? Uri.UnescapeDataString(m.Groups[2].Value) : null);
        else if (path.StartsWith("/v1.0/", StringComparison.Ordinal))
            await GraphErrorAsync(context, 400, "BadRequest", $"Resource not found for the segment '{path.Split('/').Last()}'.");
        else
            await AadErrorAsync(context, 404, "invalid_request", "AADSTS90010: The request is not supported by this fake.", 90010);
    }

    async Task TokenAsync(HttpContext context, string tenant)
    {
        lock (_gate) _tokenRequests++;
        if (!context.Request.HasFormContentType)
        {
            await AadErrorAsync(context, 400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.", 900144);
            return;
        }
        var form = await context.Request.ReadFormAsync();
        if (!string.Equals(tenant, TenantId, StringComparison.OrdinalIgnoreCase))
        {
            await AadErrorAsync(context, 400, "invalid_request", $"AADSTS90002: Tenant '{tenant}' not found.", 90002);
            return;
        }
        foreach (var field in new[] { "grant_type", "client_id", "scope" })
            if (string.IsNullOrEmpty(form[field]))
            {
                await AadErrorAsync(context, 400, "invalid_request", $"AADSTS900144: The request body must contain the following parameter: '{field}'.", 900144);
                return;
            }
        if (form["grant_type"] != "client_credentials")
        {
            await AadErrorAsync(context, 400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", 70003);
            return;
        }
        if (form["client_id"] != ClientId)
        {
            await AadErrorAsync(context, 400, "unauthorized_client",
                $"AADSTS700016: Application with identifier '{form["client_id"]}' was not found in the directory '{tenant}'.", 700016);
            return;
        }
        if (string.IsNullOrEmpty(form["client_secret"]))
        {
            await AadErrorAsync(context, 401, "invalid_client",
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", 7000218);
            return;
        }
        if (form["client_secret"] != ClientSecret)
        {
            await AadErrorAsync(context, 401, "invalid_client",
                $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{ClientId}'.", 7000215);
            return;
        }
        if (form["scope"] != GraphScope)
        {
            await AadErrorAsync(context, 400, "invalid_scope",
                $"AADSTS1002012: The provided value for scope {form["scope"]} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", 1002012);
            return;
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        lock (_gate) { _tokens.Add(token); _tokensIssued++; }
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3599,
            ["ext_expires_in"] = 3599,
            ["access_token"] = token,
        });
    }

    Task InstanceDiscoveryAsync(HttpContext context)
    {
        // Documented shape of https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=…
        var host = new Uri(AuthorityHost).Authority;
        return WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["tenant_discovery_endpoint"] = $"{AuthorityHost}/{TenantId}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new[] { new Dictionary<string, object> { ["preferred_network"] = host, ["preferred_cache"] = host, ["aliases"] = new[] { host } } },
        });
    }

    Task OpenIdConfigurationAsync(HttpContext context, string tenant) => WriteJsonAsync(context, 200, new Dictionary<string, object>
    {
        ["issuer"] = $"{AuthorityHost}/{tenant}/v2.0",
        ["authorization_endpoint"] = $"{AuthorityHost}/{tenant}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"{AuthorityHost}/{tenant}/oauth2/v2.0/token",
        ["jwks_uri"] = $"{AuthorityHost}/{tenant}/discovery/v2.0/keys",
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "private_key_jwt", "client_secret_basic" },
        ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
        ["subject_types_supported"] = new[] { "pairwise" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
        ["tenant_region_scope"] = "AS",
    });

    async Task SendMailAsync(HttpContext context, string userId)
    {
        var request = context.Request;
        lock (_gate) _sendMailCalls.Add(DateTimeOffset.UtcNow);

        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..].Trim() : "";
        bool known;
        lock (_gate) known = _tokens.Contains(token);
        if (!known)
        {
            await GraphErrorAsync(context, 401, "InvalidAuthenticationToken", token.Length == 0 ? "Access token is empty." : "IDX14100: JWT is not well formed.");
            return;
        }
        if (!_users.Contains(userId))
        {
            await GraphErrorAsync(context, 404, "ErrorInvalidUser", $"The requested user '{userId}' is invalid.");
            return;
        }
        // This fake implements only the MIME form of sendMail (the JSON form is application/json).
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "text/plain", StringComparison.OrdinalIgnoreCase))
        {
            await GraphErrorAsync(context, 415, "UnsupportedMediaType", $"Content-Type '{request.ContentType}' is not supported here; send MIME as text/plain.");
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
            await GraphErrorAsync(context, 400, "ErrorMimeContentInvalid", $"Invalid MIME content (no {string.Join(", ", missing)} header).");
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
                    "At least one recipient isn't valid., Recipient is not resolved. All recipients must be resolved before a message can be submitted.");
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

    static Task GraphErrorAsync(HttpContext context, int status, string code, string message)
    {
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["request-id"] = requestId;
        return WriteJsonAsync(context, status, new Dictionary<string, object>
        {
            ["error"] = new Dictionary<string, object>
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new Dictionary<string, object>
                {
                    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                    ["request-id"] = requestId,
                    ["client-request-id"] = context.Request.Headers["client-request-id"].ToString() is { Length: > 0 } c ? c : requestId,
                },
            },
        });
    }

    static Task AadErrorAsync(HttpContext context, int status, string error, string description, int code)
    {
        var trace = Guid.NewGuid().ToString();
        var correlation = context.Request.Headers["client-request-id"].ToString() is { Length: > 0 } c ? c : Guid.NewGuid().ToString();
        return WriteJsonAsync(context, status, new Dictionary<string, object>
        {
            ["error"] = error,
            ["error_description"] = $"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {DateTime.UtcNow:yyyy-MM-dd HH:mm:ssZ}",
            ["error_codes"] = new[] { code },
            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
        });
    }

    static async Task WriteJsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Self-signed, for 127.0.0.1 and localhost, valid around now; key exportable so Kestrel can use it on any OS.</summary>
    static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EventPortal fake Graph", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    [GeneratedRegex("^/([^/]+)/oauth2/v2\\.0/token$")]
    private static partial Regex TokenPath();

    [GeneratedRegex("^/([^/]+)/v2\\.0/\\.well-known/openid-configuration$")]
    private static partial Regex OpenIdPath();

    [GeneratedRegex("^/v1\\.0/users/([^/]+)/sendMail$", RegexOptions.IgnoreCase)]
    private static partial Regex SendMailPath();
}
