using System.Text;
using AngleSharp.Html.Parser;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// Whether a hostile value that a client sent came back in an HTML page as markup rather than
/// as text. Two checks: the value is nowhere verbatim when it holds characters that HTML
/// encoding changes (the app's Razor output always encodes &lt; &gt; &quot; and '), and the
/// parsed page holds none of the canaries the hostile corpus plants (<c>x-fz</c> elements,
/// <c>on…</c> handler attributes, inline scripts, <c>javascript:</c> links).
/// </summary>
public static class HtmlSafety
{
    static readonly HtmlParser Parser = new();

    /// <summary>
    /// The event page's own schema.org data block: not script (browsers do not run application/ld+json), the one in the
    /// head, and JSON with no markup character left unescaped. An injected one would be elsewhere or fail to parse.
    /// </summary>
    static bool IsEventData(AngleSharp.Dom.IElement element)
    {
        if (element.GetAttribute("type") != "application/ld+json" || element.ParentElement?.LocalName != "head") return false;
        var text = element.TextContent;
        if (text.IndexOfAny(['<', '>']) >= 0) return false;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("@type", out var type) && type.GetString() == "Event";
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>The problem, or null when <paramref name="value"/> is shown (if at all) only as text.</summary>
    public static string? Reflection(string html, string value)
    {
        foreach (var form in Forms(value))
            if (html.Contains(form, StringComparison.Ordinal))
                return $"the value appears unescaped: …{Around(html, form)}…";
        if (value.IndexOfAny(['<', '"', '\'', '＜']) < 0 && !value.Contains("javascript", StringComparison.OrdinalIgnoreCase)) return null;
        return Canary(html);
    }

    /// <summary>Markup no page of the app ever has, so injected markup is all it can be.</summary>
    public static string? Canary(string html)
    {
        using var document = Parser.ParseDocument(html);
        foreach (var element in document.All)
        {
            if (element.LocalName.StartsWith("x-fz", StringComparison.Ordinal))
                return $"an injected <{element.LocalName}> element: {Cut(element.OuterHtml)}";
            if (element.LocalName == "script" && (element.GetAttribute("src") is null || element.TextContent.Trim().Length > 0)
                && !IsEventData(element))
                return $"an inline script: {Cut(element.OuterHtml)}";
            foreach (var attribute in element.Attributes)
            {
                if (attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
                    return $"a handler attribute {attribute.Name} on <{element.LocalName}>: {Cut(element.OuterHtml)}";
                if (attribute.Name is "href" or "src" or "action" or "formaction"
                    && attribute.Value.TrimStart().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
                    return $"a javascript: URL in {attribute.Name}: {Cut(element.OuterHtml)}";
            }
        }
        return null;
    }

    /// <summary>The value as typed, and as the app would store it (NFC, trimmed), when encoding would change it.</summary>
    static IEnumerable<string> Forms(string value)
    {
        foreach (var form in new[] { value, value.Trim(), SafeNormalize(value).Trim() }.Distinct())
            // Shorter ones ("><svg ) occur in any page by themselves; the canaries catch their injections.
            if (form.Length >= 10 && form.IndexOfAny(['<', '>', '"', '\'']) >= 0) yield return form;
    }

    static string SafeNormalize(string value)
    {
        try { return value.Normalize(NormalizationForm.FormC); }
        catch (ArgumentException) { return value; } // a lone surrogate
    }

    static string Around(string html, string form)
    {
        var at = html.IndexOf(form, StringComparison.Ordinal);
        return Cut(html.Substring(Math.Max(0, at - 60), Math.Min(html.Length - Math.Max(0, at - 60), form.Length + 120)));
    }

    static string Cut(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
