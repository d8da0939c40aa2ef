using System.Text;

namespace EventPortal.Calendar.Tests;

/// <summary>One unfolded content line split per RFC 5545 §3.1 (name, parameters, value).</summary>
internal sealed record ContentLine(string Name, IReadOnlyDictionary<string, string> Parameters, string Value)
{
    public string? this[string parameter] => Parameters.TryGetValue(parameter, out string? v) ? v : null;
}

/// <summary>
/// A small, independent reader of our output for the tests: it knows nothing of the writer's
/// code, only the RFC, and is strict where real parsers are lenient (ical.js and python-icalendar
/// both accept a fold that splits a UTF-8 character, LF-only lines and unbalanced BEGIN/END).
/// </summary>
internal static class Ics
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Bytes(string text) => StrictUtf8.GetBytes(text);

    /// <summary>Unfolding (§3.1): a CRLF followed by one space is removed.</summary>
    public static string Unfold(string text) => text.Replace("\r\n ", "", StringComparison.Ordinal);

    public static List<string> LogicalLines(string text)
    {
        string unfolded = Unfold(text);
        Assert.EndsWith("\r\n", unfolded, StringComparison.Ordinal);
        return [.. unfolded[..^2].Split("\r\n")];
    }

    public static List<ContentLine> Parse(string text) => [.. LogicalLines(text).Select(ParseLine)];

    public static ContentLine ParseLine(string line)
    {
        int i = 0;
        string name = ReadUntil(line, ref i, ";:");
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (i < line.Length && line[i] == ';')
        {
            i++;
            string paramName = ReadUntil(line, ref i, "=");
            i++; // '='
            string value;
            if (i < line.Length && line[i] == '"')
            {
                int close = line.IndexOf('"', i + 1);
                Assert.True(close > i, $"Unterminated quoted parameter in: {line}");
                value = line[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                value = ReadUntil(line, ref i, ";:");
            }
            parameters[paramName] = DecodeParameter(value);
        }
        Assert.True(i < line.Length && line[i] == ':', $"No value separator in: {line}");
        return new ContentLine(name, parameters, line[(i + 1)..]);
    }

    /// <summary>
    /// RFC 6868 §3: <c>^^</c> → <c>^</c>, <c>^n</c> → a line break, <c>^'</c> → <c>"</c>; a
    /// <c>^</c> before anything else stays as it is.
    /// </summary>
    public static string DecodeParameter(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            string? decoded = value[i] == '^' && i + 1 < value.Length
                ? value[i + 1] switch { '^' => "^", 'n' => "\n", '\'' => "\"", _ => null }
                : null;
            if (decoded is null)
            {
                sb.Append(value[i]);
                continue;
            }
            sb.Append(decoded);
            i++;
        }
        return sb.ToString();
    }

    private static string ReadUntil(string line, ref int i, string stops)
    {
        int start = i;
        while (i < line.Length && !stops.Contains(line[i]))
        {
            i++;
        }
        return line[start..i];
    }

    /// <summary>Reverses TEXT escaping (§3.3.11); fails on anything that is not a valid escape.</summary>
    public static string UnescapeText(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            Assert.False(c is ';' or ',', $"Unescaped '{c}' in TEXT value: {value}");
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            Assert.True(i + 1 < value.Length, $"Dangling backslash in: {value}");
            char next = value[++i];
            sb.Append(next switch
            {
                '\\' => '\\',
                ';' => ';',
                ',' => ',',
                'n' or 'N' => '\n',
                _ => throw new Xunit.Sdk.XunitException($"Invalid escape \\{next} in: {value}"),
            });
        }
        return sb.ToString();
    }

    /// <summary>The structural checks real parsers skip: octets, UTF-8, CRLF, nesting, TZIDs.</summary>
    public static void AssertWellFormed(string text)
    {
        byte[] bytes = Bytes(text);
        Assert.True(text.EndsWith("END:VCALENDAR\r\n", StringComparison.Ordinal), "Must end with END:VCALENDAR CRLF");
        foreach (byte[] line in PhysicalLines(bytes))
        {
            Assert.True(line.Length <= 75, $"Line of {line.Length} octets: {Encoding.UTF8.GetString(line)}");
            string decoded = StrictUtf8.GetString(line); // throws when a fold split a UTF-8 sequence
            Assert.DoesNotContain(decoded, c => char.IsControl(c));
        }

        AssertNoFoldInsideEscapes(text);

        List<ContentLine> lines = Parse(text);
        Assert.Equal("BEGIN:VCALENDAR", $"{lines[0].Name}:{lines[0].Value}");
        var open = new Stack<string>();
        var definedZones = new HashSet<string>(StringComparer.Ordinal);
        var usedZones = new List<string>();
        foreach (ContentLine line in lines)
        {
            Assert.Matches("^[A-Z][A-Z0-9-]*$", line.Name);
            if (line.Name == "BEGIN")
            {
                open.Push(line.Value);
            }
            else if (line.Name == "END")
            {
                Assert.True(open.Count > 0, $"END:{line.Value} without BEGIN");
                Assert.Equal(open.Pop(), line.Value);
            }
            else if (line.Name == "TZID" && open.Peek() == "VTIMEZONE")
            {
                definedZones.Add(UnescapeText(line.Value));
            }
            else if (line.Name == "METHOD")
            {
                Assert.Equal<string>(["VCALENDAR"], open);
            }
            if (line["TZID"] is string tzid)
            {
                usedZones.Add(tzid);
            }
        }
        Assert.Empty(open);
        Assert.All(usedZones, z => Assert.Contains(z, definedZones));
    }

    /// <summary>
    /// A fold between a backslash and the character it escapes is legal but breaks readers that
    /// unfold badly (ical.net#693), so no fold may follow an escaping backslash.
    /// </summary>
    private static void AssertNoFoldInsideEscapes(string text)
    {
        var folds = new HashSet<int>();
        var logical = new StringBuilder();
        foreach (string physical in text[..^2].Split("\r\n"))
        {
            if (physical.StartsWith(' '))
            {
                folds.Add(logical.Length);
                logical.Append(physical, 1, physical.Length - 1);
                continue;
            }
            CheckEscapes(logical.ToString(), folds);
            logical.Clear().Append(physical);
            folds.Clear();
        }
        CheckEscapes(logical.ToString(), folds);

        static void CheckEscapes(string line, HashSet<int> folds)
        {
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '\\')
                {
                    Assert.False(folds.Contains(i + 1), $"Fold inside an escape at {i} in: {line}");
                    i++; // the escaped character
                }
            }
        }
    }

    /// <summary>Splits on CRLF and fails on a bare CR or LF anywhere.</summary>
    public static List<byte[]> PhysicalLines(byte[] bytes)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\r')
            {
                Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"Bare CR at octet {i}");
                lines.Add(bytes[start..i]);
                start = i + 2;
                i++;
            }
            else
            {
                Assert.True(bytes[i] != '\n', $"Bare LF at octet {i}");
            }
        }
        Assert.Equal(bytes.Length, start); // nothing after the last CRLF
        return lines;
    }

    /// <summary>The content lines of the (single) VEVENT, excluding a nested VALARM.</summary>
    public static List<ContentLine> EventLines(string text)
    {
        List<ContentLine> lines = Parse(text);
        int begin = lines.FindIndex(l => l is { Name: "BEGIN", Value: "VEVENT" });
        int end = lines.FindIndex(l => l is { Name: "END", Value: "VEVENT" });
        Assert.InRange(begin, 0, end);
        var result = new List<ContentLine>();
        bool inAlarm = false;
        foreach (ContentLine line in lines[(begin + 1)..end])
        {
            inAlarm = line is { Name: "BEGIN", Value: "VALARM" } || (inAlarm && line is not { Name: "END", Value: "VALARM" });
            if (!inAlarm && line is not { Name: "END", Value: "VALARM" })
            {
                result.Add(line);
            }
        }
        return result;
    }

    public static ContentLine Single(IEnumerable<ContentLine> lines, string name) => Assert.Single(lines, l => l.Name == name);
}
