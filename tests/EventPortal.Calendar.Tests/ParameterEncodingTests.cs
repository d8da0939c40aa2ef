using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using IcalCalendar = Ical.Net.Calendar;
using IcalEvent = Ical.Net.CalendarComponents.CalendarEvent;

namespace EventPortal.Calendar.Tests;

/// <summary>
/// Display names in ATTENDEE and ORGANIZER parameters (RFC 6868): why Ical.Net's own parameter
/// serializer is replaced, and that Japanese names with <c>^</c>, quotes and line breaks come
/// back exactly from a reader that applies RFC 6868 (this project's <see cref="Ics"/> reader;
/// ical.js does the same in EventPortal.Tests' <c>ParameterEncodingByParsers</c>).
/// </summary>
public class ParameterEncodingTests
{
    public static TheoryData<string> Names =>
    [
        "にこにこ^^",
        "山田 \"やまちゃん\" 太郎",
        "佐藤\n花子",
        "鈴木 ^n は改行ではない",
        "高橋^'さん'^",
        "株式会社テスト, 営業部: 東京; 本社",
    ];

    [Theory]
    [MemberData(nameof(Names))]
    public void Japanese_names_with_carets_quotes_and_line_breaks_come_back_exactly(string name)
    {
        CalendarEvent e = Samples.CancelTokyo with
        {
            Organizer = new("events@example.jp", name),
            Attendees = [new("suzuki.hanako@example.jp", name), new("tanaka@example.jp", name.Replace("\n", "\r\n"))],
        };
        string text = IcsWriter.Write(CalendarMethod.Request, e);

        Ics.AssertWellFormed(text);
        List<ContentLine> ev = Ics.EventLines(text);
        Assert.Equal(name, Ics.Single(ev, "ORGANIZER")["CN"]);
        Assert.Equal([name, name], ev.Where(l => l.Name == "ATTENDEE").Select(a => a["CN"]));
    }

    [Fact]
    public void Names_are_encoded_per_RFC_6868_and_quoted_only_when_needed()
    {
        CalendarEvent e = Samples.CancelTokyo with { Attendees = [new("a@example.jp", "にこにこ^^ \"やまちゃん\"\r\n山田")] };
        List<string> lines = Ics.LogicalLines(IcsWriter.Write(CalendarMethod.Request, e));
        Assert.Contains("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE;CN=にこにこ^^^^ ^'やまちゃん^'^n山田:mailto:a@example.jp",
            lines);
    }

    /// <summary>
    /// What Ical.Net 5.2.4 writes by itself: the carets as they are (an RFC 6868 reader turns
    /// <c>^^</c> into <c>^</c>), the quotes gone, and the line break raw inside the content line,
    /// which ends the line there and leaves a broken one behind.
    /// </summary>
    [Fact]
    public void Ical_Net_alone_loses_carets_and_quotes_and_breaks_the_line()
    {
        var ev = new IcalEvent { Uid = "u@example.jp", DtStamp = new CalDateTime(Samples.Utc(2026, 1, 1, 0)) };
        ev.Attendees.Add(new Attendee { Value = new Uri("mailto:a@example.jp"), CommonName = "にこにこ^^" });
        ev.Attendees.Add(new Attendee { Value = new Uri("mailto:b@example.jp"), CommonName = "山田 \"やまちゃん\" 太郎" });
        ev.Attendees.Add(new Attendee { Value = new Uri("mailto:c@example.jp"), CommonName = "佐藤\n花子" });
        var calendar = new IcalCalendar();
        calendar.Events.Add(ev);

        string plain = new CalendarSerializer().SerializeToString(calendar)!;

        Assert.Contains("ATTENDEE;CN=にこにこ^^:mailto:a@example.jp\r\n", plain);
        Assert.Equal("にこにこ^", Ics.DecodeParameter("にこにこ^^"));
        Assert.Contains("ATTENDEE;CN=山田 やまちゃん 太郎:mailto:b@example.jp\r\n", plain);
        Assert.Contains("ATTENDEE;CN=佐藤\n花子:mailto:c@example.jp\r\n", plain);
        Assert.ThrowsAny<Exception>(() => Ics.AssertWellFormed(plain));
    }
}
