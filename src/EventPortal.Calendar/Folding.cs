using System.Text;

namespace EventPortal.Calendar;

/// <summary>
/// Line folding (RFC 5545 §3.1), redone on Ical.Net's output. Ical.Net 5.2.4 folds at 75
/// octets but counts UTF-16 code units: an emoji (a surrogate pair) at a fold is cut in two and
/// each half becomes U+FFFD in the UTF-8 file, so <c>🎫</c> reaches every client as
/// <c>��</c>; and it folds between a backslash and the character it escapes, which breaks
/// readers that unfold badly (ical.net#693). No setting changes its folding (an internal
/// <c>TextUtil.FoldLines</c> called by the property serializer), so the serialized text is
/// unfolded and folded again here. <c>FoldingTests</c> shows Ical.Net's own output and ours.
/// </summary>
internal static class Folding
{
    /// <summary>Octets per physical line, CRLF excluded (RFC 5545 §3.1).</summary>
    public const int MaxLineOctets = 75;

    /// <summary>
    /// Unfolds Ical.Net's text (every CRLF followed by a space is one of its folds: values never
    /// hold a raw line break, <see cref="IcsWriter"/> and the TEXT escaping see to that) and
    /// folds each content line again.
    /// </summary>
    public static string Refold(string serialized)
    {
        string unfolded = serialized.Replace("\r\n ", "", StringComparison.Ordinal);
        var output = new StringBuilder(serialized.Length + 64);
        foreach (string line in unfolded.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            AppendFolded(output, line);
        }
        return output.ToString();
    }

    /// <summary>
    /// Appends one logical line, folded at 75 octets: CRLF plus one space, so a continuation
    /// carries at most 74 octets. It walks runes so a UTF-8 sequence (and hence a UTF-16
    /// surrogate pair) is never split, and keeps a backslash with the character after it so no
    /// fold lands inside an escape; clients that unfold badly then still see <c>\n</c> or
    /// <c>\,</c> intact. A lone surrogate becomes U+FFFD, so the output is always valid UTF-8.
    /// </summary>
    public static void AppendFolded(StringBuilder output, string line)
    {
        int used = 0;
        int i = 0;
        while (i < line.Length)
        {
            Rune first = NextRune(line, ref i);
            Rune? escaped = first.Value == '\\' && i < line.Length ? NextRune(line, ref i) : null;
            int octets = first.Utf8SequenceLength + (escaped?.Utf8SequenceLength ?? 0);
            if (used + octets > MaxLineOctets)
            {
                output.Append("\r\n ");
                used = 1;
            }
            AppendRune(output, first);
            if (escaped is Rune second)
            {
                AppendRune(output, second);
            }
            used += octets;
        }
        output.Append("\r\n");
    }

    /// <summary>
    /// Drops control characters other than line breaks from TEXT before Ical.Net escapes it
    /// (it would write them raw): apart from TAB they are not allowed in a content line, and
    /// clients disagree on what to do with a TAB.
    /// </summary>
    public static string WithoutControls(string value)
    {
        if (!value.Any(c => char.IsControl(c) && c is not ('\r' or '\n')))
        {
            return value;
        }
        return string.Concat(value.Where(c => !char.IsControl(c) || c is '\r' or '\n'));
    }

    private static Rune NextRune(string s, ref int index)
    {
        // Invalid UTF-16 decodes to U+FFFD, which keeps the output valid UTF-8.
        Rune.DecodeFromUtf16(s.AsSpan(index), out Rune rune, out int consumed);
        index += consumed;
        return rune;
    }

    private static void AppendRune(StringBuilder sb, Rune rune)
    {
        Span<char> buffer = stackalloc char[2];
        int written = rune.EncodeToUtf16(buffer);
        sb.Append(buffer[..written]);
    }
}
