using EventPortal.Tests.Infrastructure;
using Microsoft.Playwright;
using static EventPortal.BrowserTests.Infrastructure.Registrant;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>The organiser's own sign-in in the browser: a virtual passkey, the second step, signing out.</summary>
public static class SignInSteps
{
    /// <summary>
    /// Chromium's virtual authenticator (CDP <c>WebAuthn</c>) for this page: a platform authenticator
    /// with resident keys and user verification that always succeeds, so WebAuthn runs for real
    /// (keys made and signatures checked by the server) without a person touching a sensor.
    /// </summary>
    public static async Task<ICDPSession> AddVirtualAuthenticatorAsync(this Visitor visitor)
    {
        var cdp = await visitor.Context.NewCDPSessionAsync(visitor.Page);
        await cdp.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true,
                ["hasUserVerification"] = true, ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        return cdp;
    }

    public static async Task SignOutAsync(this Visitor visitor)
    {
        await visitor.Page.GetByRole(AriaRole.Button, new() { Name = T("admin.signOut", "ja", Organisers.OwnerEmail), Exact = true })
            .ClickAsync();
        await visitor.Page.WaitForURLAsync("**/admin/signin");
    }

    public static Task ClickAsync(this Visitor visitor, string key, string language = "ja") =>
        visitor.Page.GetByRole(AriaRole.Button, new() { Name = T(key, language), Exact = true }).ClickAsync();

    public static Task FillAsync(this Visitor visitor, string labelKey, string value, string language = "ja") =>
        visitor.Page.GetByLabel(T(labelKey, language), new() { Exact = true }).FillAsync(value);
}
