using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Shared;

/// <summary>Absolute links for things that leave the request: API answers, and later mail and calendars.</summary>
public sealed class Links(IOptions<PortalOptions> options, IServer server)
{
    /// <summary>
    /// The origin for links made outside a request (mail). PublicBaseUrl when set — it should
    /// be in production; otherwise the address the app listens on, which is right for a
    /// machine that only its owner uses.
    /// </summary>
    public string Background()
    {
        if (!string.IsNullOrEmpty(options.Value.PublicBaseUrl)) return options.Value.PublicBaseUrl.TrimEnd('/');
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        return address.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://localhost")
            .Replace("://[::]", "://localhost").TrimEnd('/');
    }

    public string Base(HttpContext context) =>
        (string.IsNullOrEmpty(options.Value.PublicBaseUrl)
            ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}"
            : options.Value.PublicBaseUrl).TrimEnd('/');

    public string Event(HttpContext context, string slug) => $"{Base(context)}/events/{Uri.EscapeDataString(slug)}";
    public string Manage(HttpContext context, string token) => $"{Base(context)}/r/{token}";
    public string Invite(HttpContext context, string token) => $"{Base(context)}/r/{token}/invite.ics";
}
