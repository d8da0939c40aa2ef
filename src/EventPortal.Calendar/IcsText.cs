using System.Globalization;
using System.Text;

namespace EventPortal.Calendar;

/// <summary>
/// Value encoding and line folding of RFC 5545 §3.1 and §3.3. Every string that reaches the
/// output goes through one of these methods, so the output is always valid UTF-8 (lone
/// surrogates become U+FFFD) and never carries a control character.
/// </summary>
internal static class IcsText
{
    /// <summary>Octets per physical line, CRLF excluded (RFC 5545 §3.1).</summary>
    public const int MaxLineOctets = 75;

    /// <summary>
    /// TEXT escaping (§3.3.11): backslash, semicolon and comma get a backslash, every newline
    /// convention becomes <c>\n</c>. Other control characters are dropped: apart from TAB they
    /// are not allowed in a content line, and clients disagree on what to do with a TAB.
    /// </summary>
    public static string EscapeText(string value)
    {
        var sb = new StringBuilder(value.Length + 16);
        bool afterCr = false;
        foreach (Rune rune in value.EnumerateRunes())
        {
            int c = rune.Value;
            if (c == '\n' && afterCr)
            {
                afterCr = false; // second half of a CRLF already written as \n
                continue;
            }
            afterCr = c == '\r';
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case ';': sb.Append(@"\;"); break;
                case ',': sb.Append(@"\,"); break;
                case '\r' or '\n': sb.Append(@"\n"); break;
                default:
                    if (!Rune.IsControl(rune))
                    {
                        AppendRune(sb, rune);
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// A parameter value (e.g. CN) always in double quotes. A quoted value may hold
    /// <c>:;,</c> but neither DQUOTE nor control characters (§3.1, QSAFE-CHAR), and RFC 5545
    /// has no escape for them, so they are removed.
    /// </summary>
    public static string QuotedParam(string value) => "\"" + StripControls(value, '"') + "\"";

    /// <summary>Removes control characters (and <paramref name="alsoRemove"/>); repairs lone surrogates.</summary>
    public static string StripControls(string value, char alsoRemove = '\0')
    {
        var sb = new StringBuilder(value.Length);
        foreach (Rune rune in value.EnumerateRunes())
        {
            if (!Rune.IsControl(rune) && rune.Value != alsoRemove)
            {
                AppendRune(sb, rune);
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// A CAL-ADDRESS (§3.3.3) for a mail address: <c>mailto:</c> plus the address with
    /// everything outside a small safe set percent-encoded as UTF-8 (RFC 6068), so that
    /// <c>?</c>, <c>#</c>, <c>%</c> or non-ASCII local parts still give a valid URI.
    /// </summary>
    public static string MailtoUri(string email, string paramName)
    {
        string address = (email ?? "").Trim();
        int at = address.IndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch)))
        {
            throw new ArgumentException($"'{email}' is not a mail address.", paramName);
        }
        var sb = new StringBuilder("mailto:", address.Length + 16);
        foreach (byte b in Encoding.UTF8.GetBytes(address))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || "-._~!$'*+=@&".Contains((char)b))
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>UTC DATE-TIME form (§3.3.5 form #2), seconds precision.</summary>
    public static string FormatUtc(DateTime utc) =>
        utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Local DATE-TIME form, used with TZID and inside VTIMEZONE.</summary>
    public static string FormatLocal(DateTime local) =>
        local.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    /// <summary>UTC-OFFSET (§3.3.14): ±hhmm, with seconds only when there are any.</summary>
    public static string FormatOffset(TimeSpan offset)
    {
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        TimeSpan a = offset.Duration();
        string hhmm = string.Create(CultureInfo.InvariantCulture, $"{sign}{a.Hours + a.Days * 24:00}{a.Minutes:00}");
        return a.Seconds == 0 ? hhmm : hhmm + a.Seconds.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Appends one logical line, folded at 75 octets (§3.1): CRLF plus one space, so a
    /// continuation carries at most 74 octets. It walks runes so a UTF-8 sequence (and hence a
    /// UTF-16 surrogate pair) is never split, and keeps a backslash with the character after
    /// it so no fold lands inside an escape; clients that unfold badly then still see
    /// <c>\n</c> or <c>\,</c> intact.
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
