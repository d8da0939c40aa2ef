namespace EventPortal.Calendar.Tests;

/// <summary>What each iTIP method puts in the VEVENT, and what the writer refuses.</summary>
public class IcsWriterTests
{
    private static readonly CalendarPerson Guest = new("guest@example.jp", "Guest");

    private static CalendarEvent Event => Samples.PublishTokyo with { Attendees = [Guest] };

    private static List<ContentLine> Write(CalendarMethod method, CalendarEvent e) =>
        Ics.EventLines(IcsWriter.Write(method, e));

    private static string? Value(List<ContentLine> lines, string name) => lines.SingleOrDefault(l => l.Name == name)?.Value;

    private static bool HasAlarm(string text) => text.Contains("BEGIN:VALARM\r\n", StringComparison.Ordinal);

    [Fact]
    public void Publish_has_an_organizer_but_never_attendees()
    {
        List<ContentLine> ev = Write(CalendarMethod.Publish, Event);
        Assert.Equal("mailto:events@example.jp", Value(ev, "ORGANIZER"));
        Assert.DoesNotContain(ev, l => l.Name == "ATTENDEE");
        Assert.Equal("CONFIRMED", Value(ev, "STATUS"));
        Assert.Equal("BUSY", Value(ev, "X-MICROSOFT-CDO-BUSYSTATUS"));
    }

    [Fact]
    public void Request_lists_every_attendee_without_asking_for_replies()
    {
        CalendarEvent e = Event with { Attendees = [Guest, new("second@example.jp")] };
        List<ContentLine> attendees = [.. Write(CalendarMethod.Request, e).Where(l => l.Name == "ATTENDEE")];
        Assert.Equal(["mailto:guest@example.jp", "mailto:second@example.jp"], attendees.Select(a => a.Value));
        Assert.All(attendees, a =>
        {
            Assert.Equal("REQ-PARTICIPANT", a["ROLE"]);
            Assert.Equal("NEEDS-ACTION", a["PARTSTAT"]);
            Assert.Equal("FALSE", a["RSVP"]);
        });
        Assert.Equal("Guest", attendees[0]["CN"]);
        Assert.Null(attendees[1]["CN"]);
    }

    [Theory]
    [InlineData(CalendarMethod.Request)]
    [InlineData(CalendarMethod.Cancel)]
    public void Request_and_cancel_without_attendees_are_refused(CalendarMethod method)
    {
        Assert.Throws<ArgumentException>(() => IcsWriter.Write(method, Event with { Attendees = [] }));
    }

    [Fact]
    public void Cancel_is_cancelled_free_and_silent_even_when_the_flag_is_not_set()
    {
        string text = IcsWriter.Write(CalendarMethod.Cancel, Event with { Cancelled = false, AlarmMinutesBefore = 15 });
        List<ContentLine> ev = Ics.EventLines(text);
        Assert.Equal("CANCELLED", Value(ev, "STATUS"));
        Assert.Equal("FREE", Value(ev, "X-MICROSOFT-CDO-BUSYSTATUS"));
        Assert.Equal("mailto:guest@example.jp", Value(ev, "ATTENDEE"));
        Assert.False(HasAlarm(text));
    }

    [Fact]
    public void A_cancelled_event_published_or_requested_has_no_alarm()
    {
        string text = IcsWriter.Write(CalendarMethod.Request, Event with { Cancelled = true });
        Assert.Equal("CANCELLED", Value(Ics.EventLines(text), "STATUS"));
        Assert.False(HasAlarm(text));
    }

    [Fact]
    public void Method_is_only_on_the_calendar_and_the_vevent_has_one_uid_and_dtstamp()
    {
        List<ContentLine> all = Ics.Parse(IcsWriter.Write(CalendarMethod.Request, Event));
        Assert.Equal("REQUEST", Ics.Single(all, "METHOD").Value);
        // Ical.Net writes a component's properties in alphabetical order, then its subcomponents.
        Assert.Equal(["BEGIN", "CALSCALE", "METHOD", "PRODID", "VERSION", "BEGIN"], all.Take(6).Select(l => l.Name));
        Assert.Equal(("GREGORIAN", "2.0", "VTIMEZONE"), (all[1].Value, all[4].Value, all[5].Value));
        List<ContentLine> ev = Ics.EventLines(IcsWriter.Write(CalendarMethod.Request, Event));
        Assert.Equal("event-12@example.jp", Value(ev, "UID"));
        Assert.Equal("20260115T093000Z", Value(ev, "DTSTAMP"));
        Assert.Equal("0", Value(ev, "SEQUENCE"));
        Assert.Equal("OPAQUE", Value(ev, "TRANSP"));
        Assert.Equal("TRUE", Value(ev, "X-MICROSOFT-DISALLOW-COUNTER"));
    }

    [Theory]
    [InlineData(15, "-PT15M")]
    [InlineData(0, "P0D")]
    [InlineData(1440, "-PT1440M")]
    public void The_alarm_fires_the_given_minutes_before_and_shows_the_summary(int minutes, string trigger)
    {
        List<ContentLine> all = Ics.Parse(IcsWriter.Write(CalendarMethod.Publish, Event with { AlarmMinutesBefore = minutes }));
        int begin = all.FindIndex(l => l is { Name: "BEGIN", Value: "VALARM" });
        Assert.Equal(["ACTION:DISPLAY", @"DESCRIPTION:EventPortal 勉強会 #12", "TRIGGER:" + trigger, "END:VALARM"],
            all.Skip(begin + 1).Take(4).Select(l => $"{l.Name}:{l.Value}"));
    }

    [Fact]
    public void No_alarm_when_minutes_are_null()
    {
        Assert.False(HasAlarm(IcsWriter.Write(CalendarMethod.Publish, Event with { AlarmMinutesBefore = null })));
    }

    [Theory]
    [InlineData("a\\b;c,d", @"a\\b\;c\,d")]
    [InlineData("one\r\ntwo\nthree\rfour", @"one\ntwo\nthree\nfour")]
    [InlineData("\\n is not a newline", @"\\n is not a newline")]
    [InlineData("bell\a tab\t nul\0 del\u007f c1\u0085 end", "bell tab nul del c1 end")]
    [InlineData("\r\n\r\n", @"\n\n")]
    public void Text_is_escaped_and_control_characters_are_dropped(string summary, string expected)
    {
        Assert.Equal(expected, Value(Write(CalendarMethod.Publish, Event with { Summary = summary }), "SUMMARY"));
    }

    [Fact]
    public void Display_names_keep_quotes_and_line_breaks_through_RFC_6868_and_lose_other_control_characters()
    {
        CalendarEvent e = Event with { Organizer = new("o@example.jp", "\"Sato\", Ichiro;\r\n Sales: Tokyo\t^\a ") };
        string line = Ics.LogicalLines(IcsWriter.Write(CalendarMethod.Publish, e))
            .Single(l => l.StartsWith("ORGANIZER", StringComparison.Ordinal));
        Assert.Equal("ORGANIZER;CN=\"^'Sato^', Ichiro;^n Sales: Tokyo^^\":mailto:o@example.jp", line);
    }

    [Fact]
    public void A_name_needing_no_quotes_is_written_bare()
    {
        CalendarEvent e = Event with { Organizer = new("o@example.jp", "EventPortal 事務局") };
        Assert.Contains("ORGANIZER;CN=EventPortal 事務局:mailto:o@example.jp", Ics.LogicalLines(IcsWriter.Write(CalendarMethod.Publish, e)));
    }

    [Theory]
    [InlineData(" user+tag?x#y%z@例え.jp ", "mailto:user+tag%3Fx%23y%25z@xn--r8jz45g.jp")]
    [InlineData("山田@example.jp", "mailto:%E5%B1%B1%E7%94%B0@example.jp")]
    [InlineData("abc.@docomo.ne.jp", "mailto:abc.@docomo.ne.jp")]
    public void Mail_addresses_become_valid_mailto_uris(string email, string expected)
    {
        CalendarEvent e = Event with { Organizer = new(email) };
        Assert.Equal(expected, Value(Write(CalendarMethod.Publish, e), "ORGANIZER"));
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("a b@example.jp")]
    [InlineData("@example.jp")]
    [InlineData("user@")]
    public void Invalid_mail_addresses_are_refused(string email)
    {
        Assert.Throws<ArgumentException>(() => IcsWriter.Write(CalendarMethod.Request, Event with { Attendees = [new(email)] }));
    }

    [Fact]
    public void Optional_properties_are_left_out_when_empty_and_the_url_is_normalised()
    {
        List<ContentLine> ev = Write(
            CalendarMethod.Publish, Event with { Description = null, Location = "", Url = "https://例え.jp/イベント/12?q=a b" });
        Assert.DoesNotContain(ev, l => l.Name is "DESCRIPTION" or "LOCATION");
        Assert.Equal("https://xn--r8jz45g.jp/%E3%82%A4%E3%83%99%E3%83%B3%E3%83%88/12?q=a%20b", Value(ev, "URL"));
    }

    [Fact]
    public void Invalid_input_is_refused_with_argument_exceptions()
    {
        DateTime start = Event.StartUtc;
        Assert.Throws<ArgumentException>(() => IcsWriter.Write(CalendarMethod.Publish, Event with { EndUtc = start }));
        Assert.Throws<ArgumentException>(() => IcsWriter.Write(CalendarMethod.Publish, Event with { Url = "/events/12" }));
        Assert.Throws<ArgumentException>(() => IcsWriter.Write(CalendarMethod.Publish, Event with { Url = "javascript:alert(1)" }));
        Assert.Throws<ArgumentException>(() =>
            IcsWriter.Write(CalendarMethod.Publish, Event with { StartUtc = DateTime.SpecifyKind(start, DateTimeKind.Local) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => IcsWriter.Write(CalendarMethod.Publish, Event with { Sequence = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => IcsWriter.Write(CalendarMethod.Publish, Event with { AlarmMinutesBefore = -5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => IcsWriter.Write((CalendarMethod)7, Event));
        Assert.Throws<TimeZoneNotFoundException>(() =>
            IcsWriter.Write(CalendarMethod.Publish, Event with { TimeZoneId = "Mars/Olympus_Mons" }));
    }

    [Fact]
    public void Unspecified_times_are_read_as_utc_and_sub_seconds_are_dropped()
    {
        CalendarEvent e = Event with
        {
            StartUtc = new DateTime(2026, 3, 6, 3, 0, 0, 999, DateTimeKind.Unspecified),
            StampUtc = new DateTime(2026, 1, 15, 9, 30, 0, 500, DateTimeKind.Unspecified),
        };
        List<ContentLine> ev = Write(CalendarMethod.Publish, e);
        Assert.Equal("20260306T120000", Value(ev, "DTSTART"));
        Assert.Equal("20260115T093000Z", Value(ev, "DTSTAMP"));
    }

    [Fact]
    public void A_custom_prodid_is_written_as_text()
    {
        List<ContentLine> all = Ics.Parse(IcsWriter.Write(CalendarMethod.Publish, Event, "-//Example, Inc.//Portal//EN"));
        Assert.Equal(@"-//Example\, Inc.//Portal//EN", Ics.Single(all, "PRODID").Value);
    }
}
