using Ical.Net.CalendarComponents;
using Ical.Net.Serialization;
using IcalCalendar = Ical.Net.Calendar;

namespace EventPortal.Calendar.Tests;

/// <summary>
/// Why the VTIMEZONE is built from our own probe of the zone (<c>VTimeZoneBuilder</c>) rather
/// than by Ical.Net 5.2.4's <see cref="VTimeZone.FromDateTimeZone(string, DateTime, bool)"/>,
/// which describes a zone from its history up to now instead of around the event.
/// </summary>
public class VTimeZoneTests
{
    private static string IcalNetZone(string zone, DateTime earliest)
    {
        var calendar = new IcalCalendar();
        calendar.AddTimeZone(VTimeZone.FromDateTimeZone(zone, earliest, includeHistoricalData: false));
        return new CalendarSerializer().SerializeToString(calendar)!;
    }

    [Fact]
    public void Ical_Net_gives_Tokyo_its_1951_rule_even_without_historical_data()
    {
        string text = IcalNetZone("Asia/Tokyo", new DateTime(2026, 3, 6, 12, 0, 0));
        Assert.Contains("TZOFFSETFROM:+1000\r\n", text);
        Assert.Contains("RRULE:FREQ=YEARLY", text);
        Assert.Contains("DTSTART:19510909T010000\r\n", text);
    }

    [Fact]
    public void Ours_gives_Tokyo_one_standard_block_without_rules()
    {
        List<string> lines = Ics.LogicalLines(IcsWriter.Write(CalendarMethod.Publish, Samples.PublishTokyo));
        List<string> zone = [.. lines.SkipWhile(l => l != "BEGIN:VTIMEZONE").TakeWhile(l => l != "END:VTIMEZONE")];
        Assert.Single(zone, "BEGIN:STANDARD");
        Assert.DoesNotContain(zone, l => l.StartsWith("RRULE", StringComparison.Ordinal) || l == "BEGIN:DAYLIGHT");
        Assert.DoesNotContain("TZOFFSETFROM:+1000", zone);
    }

    [Fact]
    public void Ical_Net_cannot_describe_a_zone_for_an_event_two_years_ahead()
    {
        // Its window runs from a year before the given date up to DateTimeOffset.Now.
        DateTime inTwoYears = DateTime.UtcNow.Date.AddYears(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => IcalNetZone("Europe/Berlin", inTwoYears));
    }

    [Fact]
    public void Ours_describes_the_zone_around_the_event_however_far_ahead()
    {
        DateTime start = new(DateTime.UtcNow.Year + 5, 3, 28, 0, 30, 0, DateTimeKind.Utc);
        CalendarEvent e = Samples.BerlinAcrossDst with { StartUtc = start, EndUtc = start.AddHours(3) };
        string text = IcsWriter.Write(CalendarMethod.Publish, e);

        var zones = new VTimeZoneEvaluator(text);
        List<ContentLine> ev = Ics.EventLines(text);
        Assert.Equal(e.StartUtc, zones.ToUtc(Ics.Single(ev, "DTSTART")));
        Assert.Equal(e.EndUtc, zones.ToUtc(Ics.Single(ev, "DTEND")));
        Assert.Contains("BEGIN:DAYLIGHT", Ics.LogicalLines(text));
    }
}
