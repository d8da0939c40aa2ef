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

/// <summary>
/// A loopback stand-in (plain HTTP) for Zoom's Server-to-Server OAuth and meetings API, after
/// Zoom's API reference (developers.zoom.us): <c>POST /oauth/token?grant_type=account_credentials&amp;account_id=…</c> with
/// Basic auth → <c>{access_token, token_type, expires_in, scope}</c> (401 invalid_client for wrong
/// credentials, 400 for a wrong grant or account). The API itself is in the other parts:
/// meetings (FakeZoom.Meetings.cs), registrants (FakeZoom.Registrants.cs), webinar panelists (FakeZoom.Panelists.cs) and
/// past meetings' participants reports (FakeZoom.Reports.cs).
/// Errors are <c>{code, message}</c>; 401 code 124
/// without a valid token; 400 code 300 for a bad body or a body that is not JSON. <see cref="FailNext"/> programs 429/500.
/// </summary>
public sealed partial class FakeZoom : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly object _gate = new();
    readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    readonly Queue<FakeZoomFailure> _failures = new();
    readonly List<string> _requests = [];
    int _tokensIssued;

    public string AccountId { get; } = "acct" + Guid.NewGuid().ToString("N")[..12];
    public string ClientId { get; } = "zc" + Guid.NewGuid().ToString("N")[..16];
    public string ClientSecret { get; } = "zoomsecret" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    public string BaseAddress { get; private set; } = "";
    public int TokensIssued { get { lock (_gate) return _tokensIssued; } }
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
        fake.BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First().TrimEnd('/');
        return fake;
    }

    public Dictionary<string, string?> Settings(bool registrantLinks = false, bool webinar = false) => new()
    {
        ["EventPortal:Meetings:Provider"] = "Zoom",
        ["EventPortal:Meetings:Zoom:AccountId"] = AccountId,
        ["EventPortal:Meetings:Zoom:ClientId"] = ClientId,
        ["EventPortal:Meetings:Zoom:ClientSecret"] = ClientSecret,
        ["EventPortal:Meetings:Zoom:ApiBaseUrl"] = BaseAddress + "/v2",
        ["EventPortal:Meetings:Zoom:OAuthBaseUrl"] = BaseAddress,
        ["EventPortal:Meetings:Zoom:RegistrantLinks"] = registrantLinks ? "true" : "false",
        ["EventPortal:Meetings:Zoom:Kind"] = webinar ? "Webinar" : "Meeting",
    };

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
        if (failure == FakeZoomFailure.RateLimited)
        {
            await ErrorAsync(context, 429, 429, "You have reached the maximum per-second rate limit for this API. Try again later.");
            return;
        }
        if (failure == FakeZoomFailure.ServerError) { await ErrorAsync(context, 500, 500, "Internal Error."); return; }
        // Zoom reads JSON bodies only.
        if ((HttpMethods.IsPost(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsPut(request.Method))
            && request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            await ErrorAsync(context, 400, 300, "Unsupported Content Type.");
            return;
        }
        Match m;
        if ((m = PanelistsPath().Match(path)).Success)
            await PanelistsAsync(context, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                m.Groups[2].Success ? m.Groups[2].Value : null);
        else if ((m = ParticipantsReportPath().Match(path)).Success && HttpMethods.IsGet(request.Method))
            await ParticipantsReportAsync(context, m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        else if ((m = CreatePath().Match(path)).Success && HttpMethods.IsPost(request.Method))
            await CreateAsync(context, m.Groups[1].Value, m.Groups[2].Value);
        else if (m.Success && HttpMethods.IsGet(request.Method))
            await ListAsync(context, m.Groups[1].Value, m.Groups[2].Value);
        else if ((m = RegistrantStatusPath().Match(path)).Success && HttpMethods.IsPut(request.Method))
            await RegistrantStatusAsync(context, m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        else if ((m = RegistrantsPath().Match(path)).Success && HttpMethods.IsPost(request.Method))
            await AddRegistrantAsync(context, m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        else if ((m = MeetingPath().Match(path)).Success && HttpMethods.IsPatch(request.Method))
            await PatchAsync(context, m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        else if (m.Success && HttpMethods.IsDelete(request.Method))
            await DeleteAsync(context, m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        else
            await ErrorAsync(context, 404, 404, "Not found.");
    }

    async Task TokenAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
        if (context.Request.Headers.Authorization.ToString() != expected)
        {
            await WriteJsonAsync(context, 401,
                new Dictionary<string, object> { ["reason"] = "Invalid client_id or client_secret", ["error"] = "invalid_client" });
            return;
        }
        if (q["grant_type"] != "account_credentials")
        {
            await WriteJsonAsync(context, 400,
                new Dictionary<string, object> { ["reason"] = "Unsupported grant type", ["error"] = "unsupported_grant_type" });
            return;
        }
        if (q["account_id"] != AccountId)
        {
            await WriteJsonAsync(context, 400,
                new Dictionary<string, object> { ["reason"] = "Invalid request : Account does not exist.", ["error"] = "invalid_request" });
            return;
        }
        var token = "zt" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        lock (_gate) { _tokens.Add(token); _tokensIssued++; }
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["access_token"] = token, ["token_type"] = "bearer", ["expires_in"] = 3599,
            ["scope"] = "meeting:write:admin meeting:read:admin report:read:admin", ["api_url"] = BaseAddress,
        });
    }

    static Task ErrorAsync(HttpContext context, int status, int code, string message) =>
        WriteJsonAsync(context, status, new Dictionary<string, object> { ["code"] = code, ["message"] = message });

    static async Task WriteJsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
