using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

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
/// One global limiter (ASP.NET Core's rate-limiting middleware) that picks the rule from the
/// endpoint routing chose (not from the URL's text, which has other spellings: a trailing
/// slash, another case, <c>?handler=</c>): every POST to the event page, the registrations API,
/// the resend page or the sign-in page is counted per client address in a sliding window;
/// everything else passes untouched. A refused request gets 429
/// with <c>Retry-After</c> and no body, so the status-code pages render it in the reader's
/// language (a page, or problem details under <c>/api/</c>).
/// </summary>
public static class RateLimits
{
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
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var settings = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitOptions>>().Value;
                var rule = settings.Enabled ? RuleFor(http) : null;
                if (rule is null) return RateLimitPartition.GetNoLimiter("unlimited");
                var (limit, window) = rule switch
                {
                    Register => (settings.RegisterPerMinute, TimeSpan.FromMinutes(1)),
                    SignIn => (settings.SignInPerMinute, TimeSpan.FromMinutes(1)),
                    _ => (settings.ResendPerHour, TimeSpan.FromHours(1)),
                };
                return RateLimitPartition.GetSlidingWindowLimiter($"{rule}:{ClientKey(http.Connection.RemoteIpAddress)}", _ => new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = limit, Window = window, SegmentsPerWindow = 6, QueueLimit = 0, AutoReplenishment = true,
                });
            });
        });
        return services;
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

    /// <summary>Which rule a request falls under, or null when it is not limited (needs routing to have run).</summary>
    public static string? RuleFor(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method)) return null;
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.Trim('/');
        return route switch
        {
            "events/{slug}/{handler?}" or "api/events/{slug}/registrations" => Register,  // the event page posts only registrations
            "events/{slug}/resend" => Resend,
            "admin/signin" => SignIn,
            _ => null,
        };
    }
}
