using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EventPortal.Web.Admin;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace EventPortal.Web.ApiDocs;

/// <summary>
/// The JSON API described for integrators (an office's IT staff with kintone, Salesforce or RPA, who should not have to
/// read C#): an OpenAPI document at <see cref="DocumentPath"/> and a reference page for organisers at
/// <see cref="ReferencePath"/>, both served by the app itself. Only <c>/api/…</c> is described: pages, calendars, QR codes,
/// health and bench are not an API. Both are anonymous: the document is the admin API's shape, never its data, and the
/// admin endpoints it lists still refuse a request without a valid token.
/// </summary>
public static partial class ApiDocs
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api-reference";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "EventPortal API",
                    Version = DocumentName,
                    Description = "Published events and registration for everyone; under /api/admin, events, registrations, "
                        + "attendance and mail rules for organisers with an API token (console, Accounts page). "
                        + "Errors are RFC 9457 problem details; a 422 names each wrong field in `errors`.",
                };
                // No servers: the API is where the document is, whatever name the proxy in front gives it.
                document.Servers = [];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An organiser's API token, made on the console's Accounts page: `Authorization: Bearer <token>`.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                if (!IsAdmin(context.Description.ActionDescriptor.EndpointMetadata)) return;
                var bearer = new OpenApiSecuritySchemeReference(BearerScheme, context.Document);
                operation.Security = [new OpenApiSecurityRequirement { [bearer] = [] }];
                operation.Responses ??= new OpenApiResponses();
                var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: ct);
                OpenApiResponse Refusal(string description) => new()
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                };
                operation.Responses.TryAdd("401", Refusal("No token, or one that is unknown, revoked or expired."));
                operation.Responses.TryAdd("403", Refusal("The token's organiser may not use the API."));
            });
        });

    /// <summary>Admin endpoints are those behind the bearer-token policy, however their route is spelled.</summary>
    static bool IsAdmin(IEnumerable<object> metadata) => metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AdminAuth.ApiStaff);

    public static void MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, o => o
                .WithTitle("EventPortal API")
                .WithOpenApiRoutePattern(DocumentPath)
                // Nothing from another origin: no web fonts, no telemetry, no AI agent or MCP, no request proxy.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                // Its developer-tools bar links to the vendor (share, SDKs, deploy): not for organisers.
                .HideDeveloperTools())
            .AllowAnonymous()
            .AddEndpointFilter(async (context, next) =>
            {
                var result = await next(context);
                if (result is ContentHttpResult { ResponseContent: { } html, ContentType: { } type }
                    && type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase))
                    context.HttpContext.Items[SecurityHeaders.PolicyOverride] = ReferencePagePolicy(html);
                return result;
            });
    }

    /// <summary>
    /// The app's policy with what Scalar's page needs and no more: its one inline script by hash (not every inline
    /// script), inline styles (the bundle injects its stylesheet), and <c>data:</c>/<c>blob:</c> images and fonts.
    /// <c>connect-src 'self'</c> keeps the page, and its "try it" requests, on this origin.
    /// </summary>
    public static string ReferencePagePolicy(string html)
    {
        var hashes = InlineScript().Matches(html)
            .Select(m => $" 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'");
        return $"default-src 'self'; script-src 'self'{string.Concat(hashes)}; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    }

    [GeneratedRegex("<script(?![^>]*\\ssrc=)[^>]*>(.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
