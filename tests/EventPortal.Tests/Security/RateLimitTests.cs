using System.Net;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Security;

/// <summary>
/// Per-address limits on the endpoints worth abusing (EventPortal:RateLimits), and which proxy is
/// believed about the address (EventPortal:Proxy). Other tests run with the limits off, since
/// every test client is 127.0.0.1.
/// </summary>
public sealed class RateLimitTests
{
    static Dictionary<string, string?> Limits(params (string Key, string Value)[] more)
    {
        var settings = Organisers.Bootstrap();
        settings["EventPortal:RateLimits:Enabled"] = "true";
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task Registrations_by_form_and_API_share_one_budget_per_address_and_a_refusal_is_localised_and_stores_nothing()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Limits(("EventPortal:RateLimits:RegisterPerMinute", "3")));
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        using var browser = app.Browser();

        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(slug, "a1@example.jp")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(slug, "a2@example.jp")).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.FormRegisterAsync(slug, Journeys.ValidForm("f1@example.jp"))).StatusCode);

        var api = await client.RegisterAsync(slug, "a3@example.jp");
        Assert.Equal(HttpStatusCode.TooManyRequests, api.StatusCode);
        Assert.True(api.Headers.RetryAfter!.Delta!.Value.TotalSeconds >= 1);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("しばらくしてからお試しください", 429), (problem.GetProperty("title").GetString(), problem.GetProperty("status").GetInt32()));

        var form = await browser.FormRegisterAsync(slug, Journeys.ValidForm("f2@example.jp"));
        Assert.Equal(HttpStatusCode.TooManyRequests, form.StatusCode);
        Assert.Contains("短時間に何度も送信されました", await form.Content.ReadAsStringAsync());

        using var english = app.Client("en");
        var inEnglish = await english.RegisterAsync(slug, "a4@example.jp");
        Assert.Contains("Please wait a moment", await inEnglish.Content.ReadAsStringAsync());

        Assert.Equal(3, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        // Reading is never limited.
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/events/{slug}")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_attempts_are_limited_per_address_the_same_for_known_and_unknown_accounts()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Limits(("EventPortal:RateLimits:SignInPerMinute", "2")));
        using var browser = app.Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync("nobody@example.jp", "whatever password")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(Organisers.OwnerEmail, "wrong password")).StatusCode);
        // The right password does not get through the limit either: the limit says nothing about the account.
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await browser.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.SignInAsync("nobody@example.jp", "whatever password")).StatusCode);
        // The policy sits on the whole page, but only its POSTs count: the form still shows.
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/signin")).StatusCode);
    }

    [Fact]
    public async Task Other_spellings_of_the_same_endpoints_count_against_the_same_budget()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Limits(
            ("EventPortal:RateLimits:RegisterPerMinute", "1"), ("EventPortal:RateLimits:SignInPerMinute", "1")));
        var slug = await app.CreateEventAsync();
        using var browser = app.Browser();
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.FormRegisterAsync(slug, Journeys.ValidForm("one@example.jp"))).StatusCode);
        // The handler named in the query string instead of the path, and the path in capitals.
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await browser.SubmitAsync(
                $"/events/{slug}", $"/events/{slug}?handler=register", Journeys.ValidForm("two@example.jp"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await browser.SubmitAsync($"/events/{slug}", $"/EVENTS/{slug}/REGISTER", Journeys.ValidForm("three@example.jp"))).StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync("nobody@example.jp", "whatever password")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.SubmitAsync("/admin/signin", "/admin/signin/",
            new Dictionary<string, string> { ["email"] = Organisers.OwnerEmail, ["password"] = Organisers.OwnerPassword })).StatusCode);
    }

    [Fact]
    public async Task The_resend_form_is_limited_per_address()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Limits(("EventPortal:RateLimits:ResendPerHour", "2")));
        var slug = await app.CreateEventAsync();
        using var browser = app.Browser();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await browser.SubmitAsync($"/events/{slug}/resend", $"/events/{slug}/resend",
                new Dictionary<string, string> { ["email"] = $"x{i}@example.jp" })).StatusCode);
        Assert.Equal([HttpStatusCode.SeeOther, HttpStatusCode.SeeOther, HttpStatusCode.TooManyRequests], statuses);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/events/{slug}/resend")).StatusCode);
    }

    static HttpRequestMessage Forwarded(string slug, string email, string clientAddress)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{slug}/registrations")
        {
            Content = JsonContent(email),
        };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Host = "portal.example.jp";
        return request;
    }

    static StringContent JsonContent(string email) => new(JsonSerializer.Serialize(new
    {
        familyName = "山田", givenName = "花子", email, organization = "テスト市役所", ticketType = "live", consent = true,
    }), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget_and_HTTPS_brings_HSTS()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Limits(
            ("EventPortal:RateLimits:RegisterPerMinute", "1"), ("EventPortal:Proxy:KnownProxies:0", "127.0.0.1")));
        var slug = await app.CreateEventAsync();
        using var client = app.Client();

        var first = await client.SendAsync(Forwarded(slug, "p1@example.jp", "203.0.113.7"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.True(first.Headers.Contains("Strict-Transport-Security"), "HSTS over HTTPS as the proxy reports it");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Forwarded(slug, "p2@example.jp", "203.0.113.7"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Forwarded(slug, "p3@example.jp", "198.51.100.20"))).StatusCode);
        // IPv6 clients are counted by their /64: another address in the same /64 shares the budget.
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Forwarded(slug, "p4@example.jp", "2001:db8:1:2::10"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await client.SendAsync(Forwarded(slug, "p5@example.jp", "2001:db8:1:2::99"))).StatusCode);
    }

    [Fact]
    public async Task Without_a_trusted_proxy_forwarded_headers_are_ignored_so_nobody_can_claim_a_fresh_address()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Limits(("EventPortal:RateLimits:RegisterPerMinute", "1")));
        var slug = await app.CreateEventAsync();
        using var client = app.Client();

        var first = await client.SendAsync(Forwarded(slug, "s1@example.jp", "203.0.113.7"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Strict-Transport-Security"), "plain HTTP: no HSTS");
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await client.SendAsync(Forwarded(slug, "s2@example.jp", "198.51.100.20"))).StatusCode);
    }

    [Theory]
    [InlineData("EventPortal:RateLimits:RegisterPerMinute", "0", "EventPortal:RateLimits:RegisterPerMinute")]
    [InlineData("EventPortal:Proxy:KnownNetworks:0", "10.0.0.0/99", "EventPortal:Proxy:KnownNetworks")]
    [InlineData("EventPortal:Proxy:KnownProxies:0", "proxy.local", "EventPortal:Proxy:KnownProxies")]
    public async Task A_bad_setting_stops_the_start_with_a_message_that_names_it(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PortalApp.StartSqliteAsync(settings: Limits((key, value))));
        Assert.Contains(named, error.Message);
    }
}
