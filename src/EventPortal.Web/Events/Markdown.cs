using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace EventPortal.Web.Events;

/// <summary>
/// Organiser-written Markdown rendered safely: raw HTML is shown as text, links may only be
/// http(s), mailto or tel, and images become links (nothing is fetched from other sites).
/// </summary>
public static class Markdown
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    public static string ToHtml(string markdown)
    {
        var document = Markdig.Markdown.Parse(markdown ?? "", Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            link.IsImage = false;
            if (!IsSafeUrl(link.Url)) link.Url = "#";
        }
        foreach (var link in document.Descendants<AutolinkInline>())
            if (!IsSafeUrl(link.Url)) link.Url = "#";
        return document.ToHtml(Pipeline);
    }

    static bool IsSafeUrl(string? url) =>
        url is not null && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            ? uri.Scheme is "http" or "https" or "mailto" or "tel"
            : url is not null && (url.StartsWith('/') || url.StartsWith('#')) && !url.StartsWith("//", StringComparison.Ordinal)
                && !url.StartsWith("/\\", StringComparison.Ordinal);
}
