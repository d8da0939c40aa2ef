using System.Text.RegularExpressions;

namespace EventPortal.Web.Meetings;

/// <summary>
/// The id of an existing Teams webinar, from what an organiser pastes into the event's meeting URL:
/// the id itself (<c>{guid}@{tenant guid}</c>, Graph's <c>virtualEventWebinar.id</c>) or a link that
/// carries it, such as the registration page Graph documents as <c>registrationWebUrl</c>
/// (<c>https://events.teams.microsoft.com/event/{id}</c>), with the <c>@</c> written as <c>%40</c> or not.
/// </summary>
public static partial class TeamsWebinarLink
{
    /// <summary>The webinar id in <paramref name="link"/>, or null when it holds none.</summary>
    public static string? IdFrom(string? link)
    {
        if (string.IsNullOrWhiteSpace(link)) return null;
        var text = link.Trim();
        if (WholeId().IsMatch(text)) return text.ToLowerInvariant();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps) return null;
        // Only Teams' own pages: an id-shaped string on some other site names no webinar of ours.
        if (!uri.Host.Equals("teams.microsoft.com", StringComparison.OrdinalIgnoreCase)
            && !uri.Host.EndsWith(".teams.microsoft.com", StringComparison.OrdinalIgnoreCase))
            return null;
        var match = IdInside().Match(Uri.UnescapeDataString(uri.AbsolutePath + uri.Query));
        return match.Success ? match.Value.ToLowerInvariant() : null;
    }

    /// <summary>Whether <paramref name="text"/> is a bare webinar id (accepted where a meeting URL is asked for).</summary>
    public static bool IsId(string? text) => text is not null && WholeId().IsMatch(text.Trim());

    const string Guid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    [GeneratedRegex("^" + Guid + "@" + Guid + "$")]
    private static partial Regex WholeId();

    [GeneratedRegex(Guid + "@" + Guid)]
    private static partial Regex IdInside();
}
