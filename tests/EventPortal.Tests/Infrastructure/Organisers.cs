using System.Net;
using System.Net.Http.Headers;

namespace EventPortal.Tests.Infrastructure;

/// <summary>The organiser side in tests: an owner and an API token from EventPortal:Bootstrap, signed-in browsers.</summary>
public static class Organisers
{
    public const string OwnerEmail = "owner@example.jp";
    public const string OwnerPassword = "correct horse battery staple";
    public const string ApiToken = "test-api-token-0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Settings that create the owner and the API token on start; merge with your own.</summary>
    public static Dictionary<string, string?> Bootstrap(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EventPortal:Bootstrap:AdminEmail"] = OwnerEmail,
            ["EventPortal:Bootstrap:AdminPassword"] = OwnerPassword,
            ["EventPortal:Bootstrap:ApiToken"] = ApiToken,
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    /// <summary>A browser signed in to the console (cookies kept, redirects not followed).</summary>
    public static async Task<HttpClient> SignedInAsync(this PortalApp app, string email = OwnerEmail, string password = OwnerPassword)
    {
        var browser = app.Browser();
        var response = await browser.SignInAsync(email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {email} answered {(int)response.StatusCode}");
        return browser;
    }

    public static Task<HttpResponseMessage> SignInAsync(this HttpClient browser, string email, string password) =>
        browser.SubmitAsync(
            "/admin/signin", "/admin/signin", new Dictionary<string, string> { ["email"] = email, ["password"] = password });

    /// <summary>A script's client for /api/admin with a bearer token.</summary>
    public static HttpClient Api(this PortalApp app, string token = ApiToken)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
