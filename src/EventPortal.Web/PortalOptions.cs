namespace EventPortal.Web;

/// <summary>Settings under <c>EventPortal</c> that the whole app shares.</summary>
public sealed class PortalOptions
{
    public const string Section = "EventPortal";

    /// <summary>SQLite file, pickup mail and keys live here. Relative paths are taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Origin used in links that leave the request (mail, calendar). Empty: the request's own origin.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Seed the demo briefing into an empty database on first start.</summary>
    public bool SeedDemo { get; set; } = true;

    public static IEnumerable<string> Validate(PortalOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.DataDirectory))
            yield return "EventPortal:DataDirectory must not be empty.";
        if (!string.IsNullOrEmpty(o.PublicBaseUrl)
            && (!Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            yield return $"EventPortal:PublicBaseUrl must be an absolute http(s) URL, not '{o.PublicBaseUrl}'.";
    }
}
