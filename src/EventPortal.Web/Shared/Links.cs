using Microsoft.Extensions.Options;

namespace EventPortal.Web.Shared;

/// <summary>Absolute links for things that leave the request: API answers, and later mail and calendars.</summary>
public sealed class Links(IOptions<PortalOptions> options)
{
    public string Base(HttpContext context) =>
        (string.IsNullOrEmpty(options.Value.PublicBaseUrl)
            ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}"
            : options.Value.PublicBaseUrl).TrimEnd('/');

    public string Event(HttpContext context, string slug) => $"{Base(context)}/events/{Uri.EscapeDataString(slug)}";
    public string Manage(HttpContext context, string token) => $"{Base(context)}/r/{token}";
    public string Invite(HttpContext context, string token) => $"{Base(context)}/r/{token}/invite.ics";
}
