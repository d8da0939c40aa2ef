namespace EventPortal.Calendar.Tests;

/// <summary>
/// DTSTART/DTEND read back through the written VTIMEZONE (by <see cref="VTimeZoneEvaluator"/>,
/// which knows only the RFC) must give exactly the event's UTC instants, in zones without DST,
/// northern and southern DST, and right around every transition.
/// </summary>
public class TimeZoneRoundTripTests
{
    private static readonly DateTime Stamp = Samples.Utc(2026, 1, 1, 0);

    private static CalendarEvent At(string zone, DateTime start, DateTime end) => Samples.PublishTokyo with
    {
        TimeZoneId = zone,
        StartUtc = start,
        EndUtc = end,
        StampUtc = Stamp,
    };

    private static (ContentLine Start, ContentLine End) RoundTrip(CalendarEvent e)
    {
        string text = IcsWriter.Write(CalendarMethod.Publish, e);
        Ics.AssertWellFormed(text);
        var zones = new VTimeZoneEvaluator(text);
        List<ContentLine> ev = Ics.EventLines(text);
        ContentLine start = Ics.Single(ev, "DTSTART"), end = Ics.Single(ev, "DTEND");
        Assert.Equal(e.StartUtc, zones.ToUtc(start));
        Assert.Equal(e.EndUtc, zones.ToUtc(end));
        return (start, end);
    }

    [Theory]
    [InlineData("Asia/Tokyo", "2026-03-06T03:00", "2026-03-06T05:00", "20260306T120000", "20260306T140000")]
    [InlineData("Asia/Tokyo", "2026-12-31T14:30", "2027-01-01T01:00", "20261231T233000", "20270101T100000")]
    // Berlin: across the spring change (01:30 CET to 04:30 CEST), and on both sides of it.
    [InlineData("Europe/Berlin", "2027-03-28T00:30", "2027-03-28T02:30", "20270328T013000", "20270328T043000")]
    [InlineData("Europe/Berlin", "2027-01-15T17:00", "2027-01-15T19:00", "20270115T180000", "20270115T200000")]
    [InlineData("Europe/Berlin", "2027-07-01T08:00", "2027-07-01T09:00", "20270701T100000", "20270701T110000")]
    [InlineData("America/New_York", "2027-03-14T06:30", "2027-03-14T07:30", "20270314T013000", "20270314T033000")]
    // Sydney: DST ends on the first Sunday of April and starts on the first Sunday of October.
    [InlineData("Australia/Sydney", "2027-10-02T15:00", "2027-10-02T17:00", "20271003T010000", "20271003T040000")]
    [InlineData("Australia/Sydney", "2027-01-10T00:00", "2027-01-10T01:00", "20270110T110000", "20270110T120000")]
    public void Wall_times_are_local_and_map_back_to_the_instants(string zone, string start, string end, string localStart, string localEnd)
    {
        (ContentLine s, ContentLine e) = RoundTrip(At(zone, DateTime.Parse(start), DateTime.Parse(end)));
        Assert.Equal((zone, localStart), (s["TZID"], s.Value));
        Assert.Equal((zone, localEnd), (e["TZID"], e.Value));
    }

    // A wall time inside a repeated hour is ambiguous: RFC 5545 means the first pass, ical.js
    // reads the second, so either pass is written in UTC; the unambiguous end keeps its TZID.
    [Theory]
    [InlineData("Europe/Berlin", "2027-10-31T00:30", "2027-10-31T02:30", "20271031T003000Z", "20271031T033000")]
    [InlineData("Europe/Berlin", "2027-10-31T01:30", "2027-10-31T02:30", "20271031T013000Z", "20271031T033000")]
    [InlineData("America/New_York", "2027-11-07T05:30", "2027-11-07T07:00", "20271107T053000Z", "20271107T020000")]
    [InlineData("Australia/Sydney", "2027-04-03T15:00", "2027-04-03T17:00", "20270403T150000Z", "20270404T030000")]
    public void Wall_times_inside_a_repeated_hour_are_written_in_utc(
        string zone, string start, string end, string utcStart, string localEnd)
    {
        (ContentLine s, ContentLine e) = RoundTrip(At(zone, DateTime.Parse(start), DateTime.Parse(end)));
        Assert.Equal(utcStart, s.Value);
        Assert.Null(s["TZID"]);
        Assert.Equal((zone, localEnd), (e["TZID"], e.Value));
    }

    public static TheoryData<string> Zones => ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Sydney"];

    [Theory]
    [MemberData(nameof(Zones))]
    public void Every_half_hour_around_each_transition_round_trips(string zone)
    {
        TimeZoneInfo tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        DateTime from = Samples.Utc(2026, 1, 1, 0), to = Samples.Utc(2029, 1, 1, 0);
        var changes = new List<DateTime>();
        for (DateTime t = from; t < to; t = t.AddHours(1))
        {
            if (tz.GetUtcOffset(t) != tz.GetUtcOffset(t.AddHours(1)))
            {
                changes.Add(t.AddHours(1));
            }
        }
        Assert.Equal(zone == "Asia/Tokyo" ? 0 : 6, changes.Count);
        foreach (DateTime change in changes.DefaultIfEmpty(Samples.Utc(2027, 6, 1, 0)))
        {
            for (int halfHours = -6; halfHours <= 6; halfHours++)
            {
                DateTime start = change.AddMinutes(30 * halfHours);
                RoundTrip(At(zone, start, start.AddMinutes(90)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Zones))]
    public void Random_instants_over_several_years_round_trip_and_show_the_runtime_wall_time(string zone)
    {
        TimeZoneInfo tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var random = new Random(zone.Length);
        for (int i = 0; i < 40; i++)
        {
            DateTime start = Samples.Utc(2025, 1, 1, 0).AddMinutes(random.Next(0, 5 * 365 * 24 * 4) * 15);
            (ContentLine s, _) = RoundTrip(At(zone, start, start.AddHours(random.Next(1, 72))));
            if (s["TZID"] is not null)
            {
                Assert.Equal(TimeZoneInfo.ConvertTimeFromUtc(start, tz).ToString("yyyyMMdd'T'HHmmss"), s.Value);
            }
        }
    }

    [Fact]
    public void Tokyo_has_the_single_reference_standard_block()
    {
        List<string> lines = Ics.LogicalLines(IcsWriter.Write(CalendarMethod.Publish, Samples.PublishTokyo));
        int begin = lines.IndexOf("BEGIN:VTIMEZONE");
        Assert.Equal(
            ["BEGIN:VTIMEZONE", "TZID:Asia/Tokyo", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZNAME:JST",
             "TZOFFSETFROM:+0900", "TZOFFSETTO:+0900", "END:STANDARD", "END:VTIMEZONE"],
            lines.Skip(begin).Take(9));
    }

    [Theory]
    [InlineData("America/New_York", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11")]
    [InlineData("Australia/Sydney", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4")]
    [InlineData("Europe/Berlin", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10")]
    public void Floating_rules_become_yearly_rrules(string zone, string daylightRule, string standardRule)
    {
        List<string> lines = Ics.LogicalLines(IcsWriter.Write(CalendarMethod.Publish,
            At(zone, Samples.Utc(2027, 6, 1, 0), Samples.Utc(2027, 6, 1, 1))));
        Assert.Equal([daylightRule], Block(lines, "DAYLIGHT").Where(l => l.StartsWith("RRULE:", StringComparison.Ordinal)));
        Assert.Equal([standardRule], Block(lines, "STANDARD").Where(l => l.StartsWith("RRULE:", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.StartsWith("RDATE", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Block(List<string> lines, string name) =>
        lines.SkipWhile(l => l != "BEGIN:" + name).TakeWhile(l => l != "END:" + name);
}
