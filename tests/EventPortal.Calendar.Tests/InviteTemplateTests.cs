namespace EventPortal.Calendar.Tests;

/// <summary>
/// <see cref="InviteTemplates"/> must write exactly what <see cref="IcsWriter.Write"/> writes: these tests
/// compare the two, octet for octet, on names that need RFC 6868 and quoting, addresses that need
/// percent-encoding or punycode, texts whose folds fall on a personal link, and both methods; and they
/// show the shared text is really reused (one shape for many people), so the comparison is not of the
/// fallback with itself.
/// </summary>
public class InviteTemplateTests
{
    const string Base = "https://portal.example.jp";

    static (CalendarEvent Entry, string[] Personal) Invite(int reg, string name, string email, string summary = "説明会",
        bool live = true, int sequence = 0, string? description = null)
    {
        var join = $"{Base}/j/J{reg:D6}abcdefghijklmnopqrstuvwxyz0123456789_-";
        var manage = $"{Base}/r/M{reg:D6}ABCDEFGHIJKLMNOPQRSTUVWXYZ9876543210-_";
        var uid = $"event-7-reg-{reg}@portal.example.jp";
        var entry = Samples.RequestJapanese with
        {
            Uid = uid,
            Sequence = sequence,
            StampUtc = new DateTime(2026, 12, 3, 10, 11, 12, 345, DateTimeKind.Utc),
            Summary = summary,
            Location = live ? join : "オンライン",
            Description = (description ?? "令和7年度 成果報告会のご案内です。")
                + "\n\n参加用リンク: " + (live ? join : "録画視聴")
                + "\n\nお申し込みの確認・変更: " + manage + "\n\nイベントページ: " + Base + "/events/houkoku-2026",
            Attendees = [new(email, name)],
        };
        return (entry, [uid, join, manage]);
    }

    public static TheoryData<string, string> People => new()
    {
        { "山田 太郎", "taro@example.jp" },
        { "にこにこ^^", "Nico.Nico@Example.JP" },
        { "山田 \"やまちゃん\" 太郎", "abc.@docomo.ne.jp" },
        { "佐藤\n花子", "sato+event@example.jp" },
        { "株式会社テスト, 営業部: 東京; 本社", "eigyo%tokyo@example.jp" },
        { "高橋^'さん'^ 🎫", "takahashi@日本語ドメイン.jp" },
        { "  Ｓｕｚｕｋｉ　Ｈａｎａｋｏ  ", "ｓｕｚｕｋｉ@example.jp" },
    };

    [Theory]
    [MemberData(nameof(People))]
    public void Each_invite_is_the_text_Ical_Net_writes_for_it(string name, string email)
    {
        foreach (var method in new[] { CalendarMethod.Request, CalendarMethod.Cancel })
            foreach (var live in new[] { true, false })
                foreach (var sequence in new[] { 0, 3, 12 })
                {
                    var (entry, personal) = Invite(4200 + sequence, name, email, live: live, sequence: sequence);
                    Assert.Equal(IcsWriter.Write(method, entry), InviteTemplates.Write(method, entry, personal));
                }
    }

    [Fact]
    public void Folds_land_on_personal_links_and_emoji_the_same_way()
    {
        // Padding of every length moves the links across the 75-octet folds, through 3- and 4-octet characters.
        for (var pad = 0; pad < 40; pad++)
        {
            var description = new string('あ', pad % 13) + new string('x', pad) + "🎫" + new string('漢', pad % 7);
            var (entry, personal) = Invite(900 + pad, "鈴木 花子", "hanako@example.jp", summary: "説明会 " + pad,
                description: description);
            Assert.Equal(IcsWriter.Write(CalendarMethod.Request, entry), InviteTemplates.Write(CalendarMethod.Request, entry, personal));
        }
    }

    [Fact]
    public void One_shape_serves_every_person_of_an_event()
    {
        var summary = "共有テスト " + Guid.NewGuid().ToString("N");
        var before = InviteTemplates.ShapeCount;
        for (var reg = 0; reg < 50; reg++)
        {
            var (entry, personal) = Invite(reg, $"参加者 {reg}", $"p{reg}@example.jp", summary: summary, sequence: reg % 3);
            Assert.Equal(IcsWriter.Write(CalendarMethod.Request, entry), InviteTemplates.Write(CalendarMethod.Request, entry, personal));
        }
        // The tests of one class run one at a time, and no other class writes invites this way.
        Assert.Equal(1, InviteTemplates.ShapeCount - before);
        Assert.True(InviteTemplates.Fills(CalendarMethod.Request, summary));
    }

    [Theory]
    [InlineData("https://portal.example.jp/j/a,b")]
    [InlineData("https://portal.example.jp/j/a;b")]
    [InlineData("https://portal.example.jp/j/a\\b")]
    public void Values_TEXT_escaping_would_change_are_written_by_Ical_Net(string join)
    {
        var (entry, personal) = Invite(1, "山田 太郎", "taro@example.jp");
        entry = entry with { Location = join, Description = entry.Description + "\n" + join };
        personal[1] = join;
        Assert.Equal(IcsWriter.Write(CalendarMethod.Request, entry), InviteTemplates.Write(CalendarMethod.Request, entry, personal));
    }

    [Fact]
    public void Bad_input_is_refused_as_Ical_Net_refuses_it()
    {
        var (entry, personal) = Invite(2, "山田 太郎", "not an address");
        Assert.Throws<ArgumentException>(() => InviteTemplates.Write(CalendarMethod.Request, entry, personal));
        (entry, personal) = Invite(3, "山田 太郎", "taro@example.jp");
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            InviteTemplates.Write(CalendarMethod.Request, entry with { Sequence = -1 }, personal));
        Assert.Throws<ArgumentException>(() => InviteTemplates.Write(CalendarMethod.Request,
            entry with { StampUtc = DateTime.SpecifyKind(entry.StampUtc, DateTimeKind.Local) }, personal));
    }
}
