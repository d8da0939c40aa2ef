using System.Text;

namespace EventPortal.Calendar.Tests;

/// <summary>
/// Folding at 75 octets and TEXT escaping, on chosen edge cases and on random strings that
/// mix the characters that break naive writers: 4-byte emoji (surrogate pairs), combining
/// marks, CJK, backslashes, separators and newlines.
/// </summary>
public class FoldingTests
{
    private static string Fold(string line)
    {
        var sb = new StringBuilder();
        Folding.AppendFolded(sb, line);
        return sb.ToString();
    }

    private static int[] Octets(string folded) =>
        [.. folded[..^2].Split("\r\n").Select(l => Encoding.UTF8.GetByteCount(l))];

    [Fact]
    public void A_line_of_75_octets_is_not_folded_and_76_is()
    {
        Assert.Equal("SUMMARY:" + new string('a', 67) + "\r\n", Fold("SUMMARY:" + new string('a', 67)));
        Assert.Equal("SUMMARY:" + new string('a', 67) + "\r\n b\r\n", Fold("SUMMARY:" + new string('a', 67) + "b"));
    }

    [Fact]
    public void Continuation_lines_carry_74_octets_after_the_space()
    {
        Assert.Equal([75, 75, 75, 2], Octets(Fold(new string('x', 75 + 74 + 74 + 1))));
    }

    [Fact]
    public void Kanji_are_never_split_and_fill_lines_to_the_last_whole_character()
    {
        // 25 kanji are 75 octets; the continuation takes 24 (1 + 72 octets).
        Assert.Equal([75, 73, 10], Octets(Fold(new string('漢', 25 + 24 + 3))));
    }

    [Theory]
    [InlineData(72, new[] { 72, 5 })] // emoji would occupy octets 73..76
    [InlineData(71, new[] { 75 })]    // exactly fits
    [InlineData(74, new[] { 74, 5 })]
    public void A_surrogate_pair_moves_whole_to_the_next_line(int before, int[] expected)
    {
        string folded = Fold(new string('a', before) + "😀");
        Assert.Equal(expected, Octets(folded));
        Assert.EndsWith("😀\r\n", folded);
    }

    [Theory]
    [InlineData(@"\n")]
    [InlineData(@"\,")]
    [InlineData(@"\;")]
    [InlineData(@"\\")]
    public void No_fold_between_a_backslash_and_the_character_it_escapes(string escape)
    {
        string folded = Fold(new string('a', 74) + escape + "z");
        Assert.Equal(new string('a', 74) + "\r\n " + escape + "z\r\n", folded);
    }

    [Fact]
    public void A_backslash_before_a_surrogate_pair_keeps_both_together()
    {
        Assert.Equal(new string('a', 73) + "\r\n \\😀\r\n", Fold(new string('a', 73) + "\\😀"));
    }

    /// <summary>
    /// Ical.Net 5.2.4 folds by UTF-16 code unit: Japanese (one code unit, 3 octets) is kept
    /// whole, but an emoji at a fold is cut between its two surrogates, and each half reaches
    /// the UTF-8 file as U+FFFD. This is why <see cref="Folding"/> folds Ical.Net's output again.
    /// </summary>
    [Fact]
    public void Ical_Net_alone_cuts_an_emoji_at_a_fold_and_ours_keeps_it()
    {
        string plain = GoldenFileTests.IcalNetOutput(CalendarMethod.Request, Samples.RequestJapanese);
        string received = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(plain));
        Assert.Contains("!\uFFFD\r\n \uFFFD受付", received);
        string summary = Ics.LogicalLines(received).First(l => l.StartsWith("SUMMARY:", StringComparison.Ordinal));
        Assert.DoesNotContain("🎫", summary);

        string ours = IcsWriter.Write(CalendarMethod.Request, Samples.RequestJapanese);
        Ics.AssertWellFormed(ours);
        Assert.Contains("!\r\n 🎫受付", ours);
        Assert.DoesNotContain("\uFFFD", ours);
    }

    [Fact]
    public void Ical_Net_alone_folds_inside_an_escape_and_ours_does_not()
    {
        // "SUMMARY:" and 66 letters are 74 octets: the backslash of "\," is octet 75.
        CalendarEvent e = Samples.PublishTokyo with { Summary = new string('a', 66) + ",z" };
        string plain = GoldenFileTests.IcalNetOutput(CalendarMethod.Publish, e);
        Assert.Contains("SUMMARY:" + new string('a', 66) + "\\\r\n ,z\r\n", plain);

        string ours = IcsWriter.Write(CalendarMethod.Publish, e);
        Assert.Contains("SUMMARY:" + new string('a', 66) + "\r\n \\,z\r\n", ours);
    }

    [Fact]
    public void Japanese_text_and_emoji_are_folded_at_75_octets_without_splitting_a_character()
    {
        string summary = string.Concat(Enumerable.Repeat("説明会🎫のご案内😀", 20));
        string text = IcsWriter.Write(CalendarMethod.Publish, Samples.PublishTokyo with { Summary = summary });
        Ics.AssertWellFormed(text); // every physical line at most 75 octets and valid UTF-8 on its own
        Assert.Equal(summary, Ics.UnescapeText(Ics.Single(Ics.EventLines(text), "SUMMARY").Value));
        Assert.Contains(Ics.PhysicalLines(Ics.Bytes(text)), l => l.Length is 73 or 74 or 75 && l[0] == ' ');
    }

    [Fact]
    public void Lone_surrogates_become_replacement_characters_not_invalid_utf8()
    {
        string text = IcsWriter.Write(CalendarMethod.Publish, Samples.PublishTokyo with { Summary = "a\uD800b\uDC00c" });
        Ics.AssertWellFormed(text);
        Assert.Contains("SUMMARY:a\uFFFDb\uFFFDc\r\n", text);
    }

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 8)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_text_survives_escaping_and_folding(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 60; i++)
        {
            string summary = RandomText(random, random.Next(0, 140));
            string description = RandomText(random, random.Next(0, 400));
            CalendarEvent e = Samples.RequestJapanese with
            {
                Summary = summary,
                Description = description,
                Location = RandomText(random, random.Next(1, 60)),
                Organizer = new("events@example.jp", RandomText(random, random.Next(0, 50))),
            };
            string text = IcsWriter.Write(CalendarMethod.Request, e);

            Ics.AssertWellFormed(text);
            Assert.Equal(Ics.LogicalLines(GoldenFileTests.IcalNetOutput(CalendarMethod.Request, e)), Ics.LogicalLines(text));
            List<ContentLine> ev = Ics.EventLines(text);
            Assert.Equal(summary, Ics.UnescapeText(Ics.Single(ev, "SUMMARY").Value));
            Assert.Equal(description.Length == 0 ? null : description,
                ev.SingleOrDefault(l => l.Name == "DESCRIPTION") is { } d ? Ics.UnescapeText(d.Value) : null);
            string alarmText = Ics.Parse(text).SkipWhile(l => l.Value != "VALARM").First(l => l.Name == "DESCRIPTION").Value;
            Assert.Equal(summary, Ics.UnescapeText(alarmText));
            // Quotes and line breaks come back through RFC 6868; only the ends are trimmed.
            string expectedName = e.Organizer.Name!.Trim();
            Assert.Equal(expectedName.Length == 0 ? null : expectedName, Ics.Single(ev, "ORGANIZER")["CN"]);
        }
    }

    // Pieces chosen to land on fold boundaries in every alignment: 1-, 2-, 3- and 4-octet
    // characters, combining marks, a ZWJ sequence and everything that needs escaping.
    private static readonly string[] Pieces =
    [
        "a", "Z", "7", " ", ".", ":", "\"", "\\", ";", ",", "\n", "\\n", "é", "ß", "e\u0301", "\u3099",
        "漢", "字", "あ", "カ", "\uFF1B", "😀", "🎫", "𠮷", "👨\u200D👩\u200D👧", "\u200B", "\uFEFF",
    ];

    private static string RandomText(Random random, int pieces)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pieces; i++)
        {
            sb.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return sb.ToString();
    }
}
