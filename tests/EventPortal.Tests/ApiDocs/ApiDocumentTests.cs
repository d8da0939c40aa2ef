using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.ApiDocs;

/// <summary>
/// The OpenAPI document at /openapi/v1.json and the reference page at /api-reference: valid, complete (every /api
/// endpoint the app maps, with its method, and nothing else), the same as docs/openapi.json, and the page same-origin only.
/// </summary>
public sealed partial class ApiDocumentTests
{
    [Fact]
    public async Task The_document_is_valid_OpenAPI_and_has_every_mapped_api_endpoint_with_its_method_and_nothing_else()
    {
        await using var app = await PortalApp.StartSqliteAsync();
        var (document, _) = await OpenApiChecks.ReadAsync(app);

        var mapped = app.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Path: PathOf(e), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]))
            .Where(e => e.Path.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Path}")).ToHashSet();
        var documented = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method} {p.Key}")).ToHashSet();

        Assert.Contains("PUT /api/admin/events/{slug}/attendance", mapped);
        Assert.True(mapped.Count >= 15, "fewer /api endpoints than the app has: " + string.Join(", ", mapped));
        var missing = mapped.Except(documented).Order().ToList();
        Assert.True(missing.Count == 0, "mapped but not in the document: " + string.Join(", ", missing));
        var extra = documented.Except(mapped).Order().ToList();
        Assert.True(extra.Count == 0, "in the document but not an /api endpoint: " + string.Join(", ", extra));
    }

    [Fact]
    public async Task Admin_operations_require_the_bearer_token_and_every_operation_is_named_tagged_and_summarised()
    {
        await using var app = await PortalApp.StartSqliteAsync();
        var (document, _) = await OpenApiChecks.ReadAsync(app);

        var scheme = document.Components!.SecuritySchemes!["bearer"];
        Assert.Equal(Microsoft.OpenApi.SecuritySchemeType.Http, scheme.Type);
        Assert.Equal("bearer", scheme.Scheme);
        var operations = document.Paths.SelectMany(p => p.Value.Operations!.Select(o => (Path: p.Key, Operation: o.Value))).ToList();
        foreach (var (path, operation) in operations)
        {
            var admin = path.StartsWith("/api/admin/", StringComparison.Ordinal);
            var schemes = (operation.Security ?? []).SelectMany(r => r.Keys).Select(s => s.Reference.Id).ToList();
            Assert.True(admin ? schemes.SequenceEqual(["bearer"]) : schemes.Count == 0, $"{path}: security {string.Join(",", schemes)}");
            Assert.True(!admin || operation.Responses!.ContainsKey("401"), $"{path}: no 401");
            Assert.False(string.IsNullOrWhiteSpace(operation.OperationId), $"{path}: no operationId");
            Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{path}: no summary");
            Assert.True(operation.Tags?.Count == 1, $"{path}: tags");
            Assert.Contains(operation.Responses!.Keys, status => status.StartsWith('2'));
        }
        Assert.Equal(operations.Count, operations.Select(o => o.Operation.OperationId).Distinct().Count());
        // Bodies read by hand are declared: the registration form's fields, the admin event's, an attendance list.
        var register = OpenApiChecks.Operation(document, HttpMethod.Post, "/api/events/{slug}/registrations");
        var properties = register.RequestBody!.Content!["application/json"].Schema!.Properties!.Keys;
        Assert.Contains("familyName", properties);
        Assert.Contains("answers", properties);
        Assert.Contains("errors", document.Components.Schemas!["HttpValidationProblemDetails"].Properties!.Keys);
    }

    /// <summary>
    /// docs/openapi.json is the document for readers of the repository (the README links it); regenerate it with
    /// <c>EVENTPORTAL_WRITE_OPENAPI=1</c> and this test.
    /// </summary>
    [Fact]
    public async Task The_committed_docs_openapi_json_is_the_document_the_app_serves()
    {
        await using var app = await PortalApp.StartSqliteAsync();
        var (_, json) = await OpenApiChecks.ReadAsync(app);
        var file = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("EVENTPORTAL_WRITE_OPENAPI") == "1")
            await File.WriteAllTextAsync(file, JsonNode.Parse(json)!.ToJsonString(new() { WriteIndented = true }) + "\n");

        Assert.True(File.Exists(file), "docs/openapi.json is missing: run this test with EVENTPORTAL_WRITE_OPENAPI=1");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(file)), JsonNode.Parse(json)),
            "docs/openapi.json differs from /openapi/v1.json: run this test with EVENTPORTAL_WRITE_OPENAPI=1 and commit the file");
    }

    [Fact]
    public async Task The_reference_page_loads_only_from_this_origin_under_a_policy_that_allows_nothing_else()
    {
        await using var app = await PortalApp.StartSqliteAsync();
        using var client = app.Client();

        var page = await client.GetAsync("/api-reference/");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        foreach (var directive in new[] { "default-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'" })
            Assert.Contains(directive, policy);
        foreach (var source in new[] { "http", "*", "eval" }) Assert.DoesNotContain(source, policy);
        var scripts = Regex.Match(policy, "script-src ([^;]*)").Groups[1].Value;
        Assert.DoesNotContain("unsafe-inline", scripts);
        var dom = new HtmlParser().ParseDocument(html);
        foreach (var inline in dom.QuerySelectorAll("script:not([src])"))
            Assert.Contains($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline.TextContent)))}'", scripts);
        // Everything the page names is on this origin and loads from the app itself.
        var assets = dom.QuerySelectorAll("[src], [href]").Select(e => e.GetAttribute("src") ?? e.GetAttribute("href")!).ToList();
        Assert.Contains("scalar.js", assets);
        foreach (var asset in assets)
        {
            Assert.False(Uri.TryCreate(asset, UriKind.Absolute, out _) || asset.StartsWith("//", StringComparison.Ordinal), asset);
            var url = new Uri(new Uri(app.BaseAddress, "/api-reference/"), asset);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        }
        // Scalar's own calls home are off (the policy would block them anyway): fonts, telemetry, its AI agent and MCP.
        foreach (var off in new[] { "\"withDefaultFonts\":false", "\"telemetry\":false", "\"agent\":{\"disabled\":true}",
                     "\"mcp\":{\"disabled\":true}", "\"url\":\"openapi/v1.json\"" })
            Assert.Contains(off, html);
        // The relaxed policy is the page's alone.
        foreach (var path in new[] { "/", "/api/events", OpenApiChecks.DocumentPath, "/api-reference/scalar.js" })
            Assert.Equal(SecurityHeaders.Policy, (await client.GetAsync(path)).Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task The_document_and_the_reference_page_are_anonymous_but_the_admin_api_they_describe_is_not()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        using var client = app.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(OpenApiChecks.DocumentPath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api-reference/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/admin/events")).StatusCode);
    }

    /// <summary>The route as the document spells it: no trailing slash (a group's "/"), parameters without constraints.</summary>
    static string PathOf(RouteEndpoint endpoint) =>
        "/" + Constraint().Replace(endpoint.RoutePattern.RawText!.Trim('/'), "{$1}");

    [GeneratedRegex(@"\{\**(\w+)(:[^}]*)?\??\}")]
    private static partial Regex Constraint();

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EventPortal.sln"))) return dir.FullName;
        throw new InvalidOperationException("EventPortal.sln not found above " + AppContext.BaseDirectory);
    }
}
