using System.Text;
using System.Text.RegularExpressions;
using EventPortal.Calendar;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Calendar;

/// <summary>
/// Display names in ATTENDEE and ORGANIZER parameters read back by the two independent parsers:
/// ical.js applies RFC 6868 and must give each name exactly; Debian's python-icalendar 4.0.3 does
/// not, so its raw values are decoded here per RFC 6868 and must give the same names.
/// </summary>
public sealed class ParameterEncodingByParsers
{
    static readonly string[] Names = ["にこにこ^^", "山田 \"やまちゃん\" 太郎", "佐藤\n花子", "鈴木 ^n は改行ではない"];

    [Fact]
    public async Task Japanese_names_with_carets_quotes_and_line_breaks_come_back_exactly()
    {
        var invite = AddToCalendarTests.Entry with
        {
            Organizer = new CalendarPerson("events@example.jp", "事務局 ^^ \"本部\""),
            Attendees = [.. Names.Select((name, i) => new CalendarPerson($"guest{i}@example.jp", name))],
        };
        var ics = Encoding.UTF8.GetBytes(IcsWriter.Write(CalendarMethod.Request, invite));

        foreach (var parsed in await CalendarCheck.ParseAsync(ics))
        {
            Func<string?, string?> read = parsed.Parser == "ical.js" ? s => s : Rfc6868;
            var attendees = parsed.Event.GetProperty("attendeeNames").EnumerateArray().Select(n => read(n.GetString()));
            Assert.Equal(Names, attendees);
            Assert.Equal("事務局 ^^ \"本部\"", read(parsed.Str("organizerName")));
        }
    }

    // RFC 6868 §3: ^^ → ^, ^n → a line break, ^' → "; a ^ before anything else stays.
    static string? Rfc6868(string? value) =>
        value is null ? null : Regex.Replace(value, @"\^[\^n']", m => m.Value[1] switch { '^' => "^", 'n' => "\n", _ => "\"" });
}
