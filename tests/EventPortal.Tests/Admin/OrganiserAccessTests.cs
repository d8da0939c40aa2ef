using System.Net;
using System.Net.Http.Headers;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Admin;

/// <summary>The organiser side stays closed: every route, every way in.</summary>
public sealed class OrganiserAccessTests : IAsyncLifetime
{
    const string RevokedToken = "revoked-token-0123456789abcdefghijklmnopqrstuvwxyz";
    PortalApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync(seedDemo: true, settings: Organisers.Bootstrap());
        await _app.ExecuteAsync("INSERT INTO api_tokens (name, token_hash, created_at, revoked_at) VALUES ('old', @hash, @now, @now)",
            new { hash = Tokens.Hash(RevokedToken), now = DateTime.UtcNow });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>
    /// Pages anyone may open: signing in (its second step answers only a browser half signed in), and the one-time setup.
    /// </summary>
    static readonly string[] OpenOnPurpose = ["/admin/signin", "/admin/signin/verify", "/admin/setup"];

    /// <summary>Every /admin and /api/admin route the app has, with its parameters filled in.</summary>
    IEnumerable<(string Path, string Method)> OrganiserRoutes()
    {
        var endpoints = _app.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!pattern.StartsWith("/admin", StringComparison.Ordinal) && !pattern.StartsWith("/api/admin", StringComparison.Ordinal))
                continue;
            var path = string.Join('/', pattern.Split('/').Select(segment => segment switch
            {
                "{handler?}" => "",
                _ when segment.StartsWith('{') && segment.Contains("slug") => "mentoring-report-2027",
                _ when segment.StartsWith('{') => "1",
                _ => segment,
            })).TrimEnd('/');
            if (OpenOnPurpose.Contains(path)) continue;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            foreach (var method in methods) yield return (path, method);
        }
    }

    [Fact]
    public void The_route_list_is_not_empty()
    {
        var routes = OrganiserRoutes().ToList();
        Assert.Contains(routes, r => r.Path.StartsWith("/api/admin", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path == "/admin/outbox");
        Assert.Contains(routes, r => r.Path == "/admin/audit");
    }

    [Fact]
    public async Task Every_organiser_route_refuses_anonymous_forged_and_revoked_credentials()
    {
        var ways = new (string Name, Action<HttpRequestMessage> Apply)[]
        {
            ("anonymous", _ => { }),
            ("forged token", r => r.Headers.Authorization =
                new AuthenticationHeaderValue("Bearer", "forged-token-abcdefghijklmnopqrstuvwxyz0123456789")),
            ("revoked token", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RevokedToken)),
            ("forged cookie", r => r.Headers.Add("Cookie", ".EventPortal.Organiser=CfDJ8forgedforgedforgedforged")),
        };
        using var client = _app.Client();
        var failures = new List<string>();
        foreach (var (path, method) in OrganiserRoutes())
        foreach (var (name, apply) in ways)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH")
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            apply(request);
            using var response = await client.SendAsync(request);
            var refused = path.StartsWith("/api/admin", StringComparison.Ordinal)
                ? response.StatusCode == HttpStatusCode.Unauthorized
                : response.StatusCode == HttpStatusCode.Redirect
                    && response.Headers.Location!.OriginalString.Contains("/admin/signin", StringComparison.Ordinal);
            if (!refused) failures.Add($"{method} {path} with {name}: {(int)response.StatusCode}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task The_bootstrap_token_opens_the_api()
    {
        using var api = _app.Api();
        var response = await api.GetAsync("/api/admin/events");
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_the_log_shows_it()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        using var browser = app.Browser();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(Organisers.OwnerEmail, "wrong password " + i)).StatusCode);

        var locked = await browser.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);

        // An unknown address gets exactly the same answer: the form names no accounts.
        var unknown = await browser.SignInAsync("nobody@example.jp", "whatever password");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(Message(await locked.Content.ReadAsStringAsync()), Message(await unknown.Content.ReadAsStringAsync()));
        Assert.Equal(7, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'signin.failed'"));

        await app.ExecuteAsync("UPDATE admins SET locked_until = @past", new { past = DateTime.UtcNow.AddMinutes(-1) });
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword)).StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'signin' AND actor = @email", new { email = Organisers.OwnerEmail }));

        static string Message(string html) => html[html.IndexOf("error-summary", StringComparison.Ordinal)..][..300];
    }

    [Fact]
    public async Task Staff_may_run_events_but_not_see_the_audit_log_or_accounts()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        using var owner = await app.SignedInAsync();
        var added = await owner.SubmitAsync("/admin/accounts", "/admin/accounts/add", new Dictionary<string, string>
        {
            ["email"] = "staff@example.jp", ["name"] = "スタッフ", ["role"] = "staff", ["password"] = "another long password",
        });
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);

        using var staff = await app.SignedInAsync("staff@example.jp", "another long password");
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/admin/outbox")).StatusCode);
        foreach (var ownersOnly in new[] { "/admin/audit", "/admin/accounts", "/admin/webhooks" })
        {
            var response = await staff.GetAsync(ownersOnly);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/admin/denied", response.Headers.Location!.AbsolutePath);
        }
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'account.create' AND target = 'staff@example.jp'"));
    }

    [Fact]
    public async Task A_revoked_token_stops_working_at_once()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        using var owner = await app.SignedInAsync();
        var page = await (await owner.SubmitAsync(
            "/admin/accounts", "/admin/accounts/token", new Dictionary<string, string> { ["tokenName"] = "script" }))
            .Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(page, "<code id=\"new-token\">([^<]+)</code>").Groups[1].Value;
        using var api = app.Api(token);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/admin/events")).StatusCode);

        var id = await app.QueryOneAsync<long>("SELECT id FROM api_tokens WHERE name = 'script'");
        await owner.SubmitAsync("/admin/accounts", $"/admin/accounts/revoke?id={id}", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/admin/events")).StatusCode);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM api_tokens WHERE token_hash = @token", new { token }));
    }

    [Fact]
    public async Task Without_bootstrap_the_first_visitor_sets_up_the_owner_once()
    {
        await using var app = await PortalApp.StartSqliteAsync();
        using var browser = app.Browser();
        Assert.Equal("/admin/setup", (await browser.GetAsync("/admin/signin")).Headers.Location!.OriginalString);

        var created = await browser.SubmitAsync("/admin/setup", "/admin/setup", new Dictionary<string, string>
        {
            ["email"] = "first@example.jp", ["name"] = "最初の人",
            ["password"] = "a very long password", ["passwordConfirmation"] = "a very long password",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/outbox")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Browser().GetAsync("/admin/setup")).StatusCode);
        Assert.Equal("owner", await app.QueryOneAsync<string>("SELECT role FROM admins WHERE email = 'first@example.jp'"));
    }

    [Fact]
    public async Task A_sign_in_works_on_another_instance_sharing_the_database()
    {
        var data = Directory.CreateTempSubdirectory("eventportal-keys-").FullName;
        var settings = Organisers.Bootstrap(new() { ["EventPortal:DataDirectory"] = data });
        try
        {
            await using var a = await PortalApp.StartSqliteAsync(settings: settings);
            await using var b = await PortalApp.StartSqliteAsync(settings: settings);
            var jar = new CookieContainer(); // cookies belong to the host, not the port: one jar serves both
            using var onA = a.Browser(jar: jar);
            Assert.Equal(HttpStatusCode.Redirect, (await onA.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword)).StatusCode);

            using var onB = b.Browser(jar: jar);
            Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/admin/outbox")).StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, (await b.Browser().GetAsync("/admin/outbox")).StatusCode);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
