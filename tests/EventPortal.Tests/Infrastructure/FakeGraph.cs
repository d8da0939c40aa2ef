using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// A loopback stand-in for the Microsoft identity platform's token endpoint and Microsoft Graph,
/// on Kestrel over HTTPS with a self-signed certificate made here (MSAL refuses an authority that
/// is not HTTPS). It follows the documented request and answer shapes and rejects what the real
/// services reject. This part starts the server, routes requests and writes the error shapes; the
/// services are in the other parts:
/// <list type="bullet">
/// <item>FakeGraph.Token.cs: the token endpoint, discovery, and the bearer check every Graph call passes.</item>
/// <item>FakeGraph.Mail.cs: <c>POST /v1.0/users/{id}/sendMail</c> (MIME), with programmable failures.</item>
/// <item>FakeGraph.Meetings.cs: Teams online meetings (<c>/v1.0/users/{id}/onlineMeetings</c>).</item>
/// <item>FakeGraph.Attendance.cs: the meetings' attendance reports and their records, paged.</item>
/// <item>FakeGraph.CalendarEvents.cs: calendar events with a Teams meeting (<c>/v1.0/users/{id}/events</c>).</item>
/// <item>FakeGraph.Webinars.cs: registrations of Teams webinars (<c>/v1.0/solutions/virtualEvents/webinars/{id}/registrations</c>).</item>
/// </list>
/// </summary>
public sealed partial class FakeGraph : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly X509Certificate2 _certificate;
    readonly string _thumbprint;
    readonly object _gate = new();
    readonly HashSet<string> _users = new(StringComparer.OrdinalIgnoreCase);
    readonly List<string> _requests = [];

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

    /// <summary>A handler that trusts this fake's certificate, and only that one, besides the usual chain.</summary>
    public HttpMessageHandler CreateTrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _thumbprint),
        },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        File.Delete(ExchangeTokenFile);
    }

    // ---- routing: each service is in its own part ------------------------------------------

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
        else if ((m = AttendancePath().Match(path)).Success)
            await AttendanceAsync(context, Uri.UnescapeDataString(m.Groups[1].Value), Uri.UnescapeDataString(m.Groups[2].Value),
                m.Groups[3].Success ? Uri.UnescapeDataString(m.Groups[3].Value) : null);
        else if ((m = OnlineMeetingsPath().Match(path)).Success)
            await OnlineMeetingsAsync(context, Uri.UnescapeDataString(m.Groups[1].Value),
                m.Groups[2].Success ? Uri.UnescapeDataString(m.Groups[2].Value) : null);
        else if ((m = CalendarEventsPath().Match(path)).Success)
            await CalendarEventsAsync(context, Uri.UnescapeDataString(m.Groups[1].Value),
                m.Groups[2].Success ? Uri.UnescapeDataString(m.Groups[2].Value) : null);
        else if ((m = WebinarSessionsPath().Match(path)).Success)
            await WebinarSessionsAsync(context, m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null,
                m.Groups[3].Success ? m.Groups[3].Value : null);
        else if ((m = WebinarRegistrationsPath().Match(path)).Success)
            await WebinarRegistrationsAsync(context, m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null,
                m.Groups[3].Success ? m.Groups[3].Value : null, m.Groups[4].Success);
        else if (path.StartsWith("/v1.0/", StringComparison.Ordinal))
            await GraphErrorAsync(context, 400, "BadRequest", $"Resource not found for the segment '{path.Split('/').Last()}'.");
        else
            await AadErrorAsync(context, 404, "invalid_request", "AADSTS90010: The request is not supported by this fake.", 90010);
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
            ["error_description"] = $"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\n" +
                $"Timestamp: {DateTime.UtcNow:yyyy-MM-dd HH:mm:ssZ}",
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
}
