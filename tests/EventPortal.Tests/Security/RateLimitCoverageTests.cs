using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Security;

/// <summary>
/// Which endpoints carry a rate limit, read from the app's own route table. Every endpoint an
/// anonymous client can write to (anything but GET and HEAD) is either limited with the policy
/// listed here or named below with the reason it is not, so a new or renamed endpoint without a
/// limit fails here. RateLimitTests shows each policy refusing in practice.
/// </summary>
public sealed class RateLimitCoverageTests
{
    /// <summary>
    /// Pages by their file (the limit is an attribute on the page model, so it survives a change of
    /// the <c>@page</c> route), minimal-API endpoints by method and route.
    /// </summary>
    static readonly Dictionary<string, string> Limited = new()
    {
        ["POST /api/events/{slug}/registrations"] = RateLimits.Register,
        ["page /Events/EventPage"] = RateLimits.Register,     // its only write is the registration form
        ["page /Events/ResendPage"] = RateLimits.Resend,      // mails a registrant: must not flood an inbox
        ["page /Admin/SignInPage"] = RateLimits.SignIn,       // password guessing, and PBKDF2 costs CPU per try
        ["page /Admin/Security/VerifyPage"] = RateLimits.SignIn,   // guessing a 6-digit code or a recovery code
    };

    static readonly Dictionary<string, string> NotLimitedBecause = new()
    {
        ["page /Registrations/ManagePage"] =
            "cancel and switch ticket need the registrant's 144-bit personal token: without one the answer is a 404 after one "
            + "indexed lookup, guessing one is hopeless, and with one a client only changes (and mails) its own registration",
        ["page /Registrations/DetailsPage"] =
            "a correction needs the registrant's 144-bit personal token, like the personal page: with one a client only rewrites "
            + "its own registration, and only a changed name mails, to its own address",
        ["page /Surveys/SurveyFormPage"] =
            "an answer needs the registrant's 144-bit personal token, like the personal page: guessing one is hopeless, and with "
            + "one a client only rewrites its own single response (one row per registration, no mail)",
        ["page /Admin/SetupPage"] =
            "once an organiser exists it answers 404 after one query, before reading the form; before that the first valid "
            + "POST creates the owner, which no per-address limit would stop (the README says to set up before going public)",
        ["page /Shared/Error"] =
            "the status-code pages re-execute a refused POST here to render the 429 itself; it reads no input and writes nothing",
        ["POST /bench/baseline"] =
            "mapped only with EventPortal:Bench:Enabled for bench/, which drives thousands of requests from one address",
    };

    [Fact]
    public async Task Every_endpoint_an_anonymous_client_can_write_to_is_limited_or_named_with_the_reason_it_is_not()
    {
        // Bench on, so that the endpoint it maps is walked too.
        await using var app = await PortalApp.StartSqliteAsync(settings:
            new Dictionary<string, string?> { ["EventPortal:Bench:Enabled"] = "true" });
        var endpoints = app.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();

        var policies = endpoints
            .Select(e => (Name: Name(e), e.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName))
            .Where(e => e.PolicyName is not null).Distinct().ToDictionary(e => e.Name, e => e.PolicyName!);
        Assert.Equal(Limited.OrderBy(p => p.Key), policies.OrderBy(p => p.Key));

        var anonymousWrites = endpoints.Where(e => IsAnonymous(e) && Writes(e)).Select(Name).Distinct().Order().ToList();
        var unaccounted = anonymousWrites.Except(Limited.Keys).Except(NotLimitedBecause.Keys).ToList();
        Assert.True(unaccounted.Count == 0, "Anonymous clients can write to " + string.Join(", ", unaccounted)
            + ": attach a policy (RateLimits.Register, Resend, SignIn) or add it to NotLimitedBecause with the reason.");
        var stale = Limited.Keys.Concat(NotLimitedBecause.Keys).Except(anonymousWrites).ToList();
        Assert.True(stale.Count == 0, "Listed here but not an endpoint anonymous clients can write to: " + string.Join(", ", stale));
    }

    static string Name(RouteEndpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page) return "page " + page.ViewEnginePath;
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
        return string.Join(',', methods) + " /" + endpoint.RoutePattern.RawText!.TrimStart('/');
    }

    static bool IsAnonymous(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null || !endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any();

    /// <summary>A page writes when one of its handlers takes a method other than GET; any other endpoint by its methods.</summary>
    static bool Writes(Endpoint endpoint)
    {
        var methods = endpoint.Metadata.GetMetadata<CompiledPageActionDescriptor>() is { } page
            ? page.HandlerMethods.Select(h => h.HttpMethod).ToList()
            : endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.ToList();
        return methods is null || methods.Any(m => !HttpMethods.IsGet(m) && !HttpMethods.IsHead(m));
    }
}
