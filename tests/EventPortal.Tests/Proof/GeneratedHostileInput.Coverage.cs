using EventPortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Proof;

public sealed partial class GeneratedHostileInput
{
    /// <summary>Console handlers the generated test does not post values to, each with the reason.</summary>
    static readonly Dictionary<string, string> NotFuzzedBecause = new()
    {
        ["/Admin/SignOutPage POST "] = "reads no input: it signs the organiser out (the test would lose its session)",
        ["/Admin/Security/SessionsPage POST "] = "reads no input: it ends the organiser's other sessions, which is its purpose",
        ["/Admin/Security/SecurityPage POST recovery"] = "reads no input: it makes new recovery codes, which is its purpose",
        ["/Admin/Security/SecurityPage POST totpstart"] = "reads no input: it shows a new secret to scan (stored nowhere yet)",
        ["/Admin/Security/SecurityPage POST totpremove"] = "reads no input: it removes the organiser's authenticator app",
        ["/Admin/Security/SecurityPage POST passkeyoptions"] = "reads no input: it answers a new WebAuthn challenge",
        ["/Admin/Security/VerifyPage POST passkeyoptions"] = "reads no input: it answers a new WebAuthn challenge",
    };

    /// <summary>
    /// Walks the app's route table: every handler of every console page and every admin API
    /// endpoint is a target of the generated test above, or listed with the reason it is not.
    /// A new console form or endpoint fails here until the test covers it.
    /// </summary>
    [Fact]
    public async Task Every_console_handler_and_admin_API_endpoint_is_a_target_of_the_generated_hostile_input_test()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        var endpoints = app.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        var handlers = ConsoleRoutes.PageHandlers(app.Services);
        var api = endpoints.Where(e => e.RoutePattern.RawText?.StartsWith("/api/admin", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"));
        var inApp = handlers.Concat(api).Distinct().Order().ToList();
        output.WriteLine($"{inApp.Count} console handlers and admin API endpoints:\n  " + string.Join("\n  ", inApp));

        var scene = new ConsoleScene("slug", 1, 1, 1, 1, new Dictionary<string, string> { ["Form.Title"] = "" }, [], 1);
        var covered = ConsoleTargets(scene).Select(t => t.Covers).Append("/Admin/SetupPage POST ").Distinct().ToList();
        var missing = inApp.Except(covered).Except(NotFuzzedBecause.Keys).ToList();
        Assert.True(missing.Count == 0, "Not a target of the generated hostile-input test: " + string.Join(", ", missing)
            + ". Add a target in GeneratedHostileInput.ConsoleTargets.cs or AdminApiTargets.cs (or the reason to NotFuzzedBecause).");
        var stale = covered.Concat(NotFuzzedBecause.Keys).Except(inApp).ToList();
        Assert.True(stale.Count == 0, "Targets naming no handler or endpoint of the app: " + string.Join(", ", stale));
        Assert.True(inApp.Count > 40, $"only {inApp.Count} handlers and endpoints found: {string.Join(", ", inApp)}");
    }
}
