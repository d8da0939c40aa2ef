using EventPortal.Web.Events;
using EventPortal.Web.Registrations;

namespace EventPortal.Tests.Registrations;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("hanako@example.jp")]
    [InlineData("abc.@docomo.ne.jp")]
    [InlineData("a..b@ezweb.ne.jp")]
    [InlineData("first.last+tag@sub.example.co.jp")]
    [InlineData("o'brien@example.ie")]
    public void Accepts_real_addresses_including_Japanese_carrier_ones(string address) =>
        Assert.True(EmailAddress.IsValid(EmailAddress.Clean(address)));

    [Theory]
    [InlineData("plain")]
    [InlineData("@example.jp")]
    [InlineData(".leading@example.jp")]
    [InlineData("a@example")]
    [InlineData("a@-example.jp")]
    [InlineData("a@example.123")]
    [InlineData("a b@example.jp")]
    [InlineData("a@example.jp\r\nBcc: b@example.jp")]
    [InlineData("\"quoted\"@example.jp")]
    [InlineData("a@b@example.jp")]
    [InlineData("山田@example.jp")]
    public void Refuses_what_could_not_be_mailed_safely(string address) =>
        Assert.False(EmailAddress.IsValid(EmailAddress.Clean(address)));

    [Fact]
    public void Full_width_input_normalises_to_ASCII_and_lower_case_for_matching()
    {
        Assert.Equal("Hanako@Example.jp", EmailAddress.Clean(" Ｈａｎａｋｏ＠Ｅｘａｍｐｌｅ．ｊｐ "));
        Assert.Equal("hanako@example.jp", EmailAddress.Normalize("Ｈａｎａｋｏ＠Ｅｘａｍｐｌｅ．ｊｐ"));
    }
}

public sealed class KanaTests
{
    [Theory]
    [InlineData("やまだ はなこ", "ヤマダ\u3000ハナコ")]
    [InlineData("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ\u3000ハナコ")]
    [InlineData("ヤマダ　　ハナコ", "ヤマダ\u3000ハナコ")]
    [InlineData("  ヴァイオレット・エヴァーガーデン ", "ヴァイオレット・エヴァーガーデン")]
    public void Readings_become_full_width_katakana(string typed, string stored)
    {
        var katakana = Kana.ToKatakana(typed);
        Assert.Equal(stored, katakana);
        Assert.True(Kana.IsKatakana(katakana));
    }

    [Theory]
    [InlineData("Yamada")]
    [InlineData("山田")]
    [InlineData("ヤマダ1")]
    public void Other_scripts_are_not_katakana(string typed) => Assert.False(Kana.IsKatakana(Kana.ToKatakana(typed)));
}

public sealed class EventTimeTests
{
    static readonly DateTime Start = new(2027, 3, 6, 3, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Japanese_readers_get_era_free_date_weekday_and_zone() =>
        Assert.Equal("2027年3月6日(土) 12:00〜13:00 (日本時間)", EventTime.Range(Start, Start.AddHours(1), "Asia/Tokyo", "ja"));

    [Fact]
    public void English_readers_get_the_same_instant_in_the_event_zone() =>
        Assert.Equal("Sat 6 March 2027, 12:00–13:00 (Japan time)", EventTime.Range(Start, Start.AddHours(1), "Asia/Tokyo", "en"));

    [Fact]
    public void Doors_open_before_the_start_in_local_time() =>
        Assert.Equal("11:55", EventTime.DoorsOpen(Start, 5, "Asia/Tokyo"));

    [Fact]
    public void Other_zones_show_their_offset_and_observe_daylight_saving()
    {
        var summer = new DateTime(2027, 7, 1, 10, 0, 0, DateTimeKind.Utc);
        Assert.Equal(
            "2027年7月1日(木) 12:00〜13:00 (UTC+02:00 Europe/Berlin)",
            EventTime.Range(summer, summer.AddHours(1), "Europe/Berlin", "ja"));
    }

    [Fact]
    public void An_event_past_midnight_names_both_days() =>
        Assert.Equal("2027年3月6日(土) 23:30〜2027年3月7日(日) 00:30 (日本時間)",
            EventTime.Range(
                new DateTime(2027, 3, 6, 14, 30, 0, DateTimeKind.Utc),
                new DateTime(2027, 3, 6, 15, 30, 0, DateTimeKind.Utc),
                "Asia/Tokyo",
                "ja"));
}

public sealed class MarkdownTests
{
    [Fact]
    public void Raw_html_is_shown_as_text()
    {
        var html = Markdown.ToHtml("<script>alert(1)</script> and <b onclick=x>bold</b>");
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<b ", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](JaVaScRiPt:alert(1))")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[x](vbscript:msgbox)")]
    [InlineData("[x](//evil.example/)")]
    [InlineData("<javascript:alert(1)>")]
    public void Dangerous_links_are_neutralised(string markdown)
    {
        var html = Markdown.ToHtml(markdown);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html);
        Assert.DoesNotContain("vbscript:", html);
        Assert.DoesNotContain("//evil.example", html);
    }

    [Fact]
    public void Ordinary_links_lists_and_emphasis_survive()
    {
        var html = Markdown.ToHtml("**大切** なお知らせ\n\n- [資料](https://example.jp/a.pdf)\n- 二つ目");
        Assert.Contains("<strong>大切</strong>", html);
        Assert.Contains("<a href=\"https://example.jp/a.pdf\">資料</a>", html);
        Assert.Contains("<li>二つ目</li>", html);
    }

    [Fact]
    public void Images_become_links_so_nothing_is_fetched_from_elsewhere()
    {
        var html = Markdown.ToHtml("![ロゴ](https://tracker.example/p.gif)");
        Assert.DoesNotContain("<img", html);
        Assert.Contains("href=\"https://tracker.example/p.gif\"", html);
    }
}
