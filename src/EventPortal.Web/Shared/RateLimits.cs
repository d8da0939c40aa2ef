using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Shared;

/// <summary>
/// Settings under <c>EventPortal:RateLimits</c>: how many POSTs one client address may make to
/// the endpoints worth abusing. Generous for people (a municipal office behind one address
/// registers a few colleagues a minute), tight for scripts. Behind a reverse proxy the client
/// address is the forwarded one only when the proxy is trusted (<see cref="ProxyOptions"/>).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "EventPortal:RateLimits";

    /// <summary>Off for load tests and benchmarks that drive thousands of registrations from one address.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Registrations (form and API) per client address per minute.</summary>
    public int RegisterPerMinute { get; set; } = 60;
    /// <summary>Organiser sign-in attempts per client address per minute (accounts also lock after repeated failures).</summary>
    public int SignInPerMinute { get; set; } = 10;
    /// <summary>"Didn't get the mail?" requests per client address per hour.</summary>
    public int ResendPerHour { get; set; } = 10;

    public static IEnumerable<string> Validate(RateLimitOptions o)
    {
        if (o.RegisterPerMinute < 1) yield return "EventPortal:RateLimits:RegisterPerMinute must be at least 1.";
        if (o.SignInPerMinute < 1) yield return "EventPortal:RateLimits:SignInPerMinute must be at least 1.";
        if (o.ResendPerHour < 1) yield return "EventPortal:RateLimits:ResendPerHour must be at least 1.";
    }
}

/// <summary>
/// Three named policies of ASP.NET Core's rate limiter, each attached to the endpoints it
/// protects: <c>.RequireRateLimiting(RateLimits.Register)</c> on the registrations API,
/// <c>[EnableRateLimiting(…)]</c> on the event page, the resend page and the sign-in page. The
/// limit travels with the endpoint, so a changed <c>@page</c> route, a trailing slash, capitals or
/// <c>?handler=</c> all reach the same limit, because routing picks the endpoint.
/// tests/EventPortal.Tests/Security/RateLimitCoverageTests.cs lists which endpoints must carry one.
/// Each policy counts a client address's writes in a sliding window. A refused request gets 429
/// with <c>Retry-After</c> and no body, so the status-code pages render it in the reader's
/// language (a page, or problem details under <c>/api/</c>).
/// </summary>
public static class RateLimits
{
    /// <summary>Policy names: registrations by form and API share <see cref="Register"/>, so they share one budget.</summary>
    public const string Register = "register", SignIn = "signin", Resend = "resend";

    public static IServiceCollection AddPortalRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section, RateLimitOptions.Validate);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            o.AddPolicy(Register, http => PerClient(http, s => (s.RegisterPerMinute, TimeSpan.FromMinutes(1))));
            o.AddPolicy(SignIn, http => PerClient(http, s => (s.SignInPerMinute, TimeSpan.FromMinutes(1))));
            o.AddPolicy(Resend, http => PerClient(http, s => (s.ResendPerHour, TimeSpan.FromHours(1))));
        });
        return services;
    }

    /// <summary>
    /// A sliding window per client address for a write; reading is free. The policies sit on
    /// whole pages, not on their POST handlers, because Razor Pages make one endpoint per page
    /// (its GET and POST handlers are chosen after routing and the limiter), and ASP.NET Core
    /// honours <c>[EnableRateLimiting]</c> only on the page model, not on a handler method. So the
    /// policy itself lets GET and HEAD through: showing the event page or the sign-in form is never
    /// limited, while a POST (or any other method a script tries) is counted.
    /// </summary>
    static RateLimitPartition<string> PerClient(HttpContext http, Func<RateLimitOptions, (int Limit, TimeSpan Window)> budget)
    {
        var settings = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        if (!settings.Enabled || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
            return RateLimitPartition.GetNoLimiter("");   // "" is no client key, so it never shares a partition with one
        var (limit, window) = budget(settings);
        // The middleware keys partitions by policy and key, so one address has a budget per policy.
        var client = ClientKey(http.Connection.RemoteIpAddress);
        return RateLimitPartition.GetSlidingWindowLimiter(client, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit, Window = window, SegmentsPerWindow = 6, QueueLimit = 0, AutoReplenishment = true,
        });
    }

    /// <summary>
    /// The address a client is counted by. IPv6 hands every household a /64, so an IPv6 client is
    /// counted by its /64 prefix; otherwise a script could take a new address per request.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
