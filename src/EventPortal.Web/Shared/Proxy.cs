using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace EventPortal.Web.Shared;

/// <summary>
/// Settings under <c>EventPortal:Proxy</c>: the reverse proxies (nginx, IIS/ARR, a load
/// balancer) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed. Only then is
/// the client address the forwarded one (rate limits, audit) and the request HTTPS when the proxy
/// says so (HSTS, secure cookies). With none listed, forwarded headers are ignored, so nobody can
/// claim another address by sending the header themselves.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "EventPortal:Proxy";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];
    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.0.0.0/24</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];
    /// <summary>How many proxies in a row to unwrap (a CDN in front of nginx: 2).</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public static IEnumerable<string> Validate(ProxyOptions o)
    {
        foreach (var proxy in o.KnownProxies)
            if (!IPAddress.TryParse(proxy, out _)) yield return $"EventPortal:Proxy:KnownProxies: '{proxy}' is not an IP address.";
        foreach (var network in o.KnownNetworks)
            if (!System.Net.IPNetwork.TryParse(network, out _))
                yield return $"EventPortal:Proxy:KnownNetworks: '{network}' is not a network in CIDR form (10.0.0.0/24).";
        if (o.ForwardLimit is < 1 or > 10) yield return "EventPortal:Proxy:ForwardLimit must be between 1 and 10.";
    }

    /// <summary>Applies the trusted proxies to ASP.NET Core's forwarded-headers options
    /// (the defaults trust loopback only; these replace them).</summary>
    public void Apply(ForwardedHeadersOptions o)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        o.ForwardLimit = ForwardLimit;
        o.KnownProxies.Clear();
        o.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies) o.KnownProxies.Add(IPAddress.Parse(proxy));
        foreach (var network in KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
    }
}
