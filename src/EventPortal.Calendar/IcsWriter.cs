using System.Globalization;
using System.Text;

namespace EventPortal.Calendar;

/// <summary>
/// Writes one event as an iCalendar object (RFC 5545) for an iTIP method (RFC 5546):
/// VCALENDAR, then the VTIMEZONE of the event's zone, then the VEVENT. The same builder serves
/// the public <c>event.ics</c> (PUBLISH) and mail invites (REQUEST, CANCEL), so the two cannot
/// drift apart.
/// </summary>
public static class IcsWriter
{
    public const string DefaultProdId = "-//EventPortal//EventPortal 1.0//JA";

    /// <summary>Returns the calendar text: CRLF line ends, folded at 75 octets, encode it as UTF-8.</summary>
    /// <exception cref="ArgumentException">Invalid times, mail addresses or URL, or a REQUEST/CANCEL without attendees.</exception>
    /// <exception cref="TimeZoneNotFoundException">The runtime does not know <see cref="CalendarEvent.TimeZoneId"/>.</exception>
    public static string Write(CalendarMethod method, CalendarEvent e, string prodId = DefaultProdId)
    {
        var output = new StringBuilder(2048);
        foreach (string line in BuildLines(method, e, prodId))
        {
            IcsText.AppendFolded(output, line);
        }
        return output.ToString();
    }

    /// <summary>The unfolded content lines; the tests compare them with the unfolded output.</summary>
    internal static List<string> BuildLines(CalendarMethod method, CalendarEvent e, string prodId)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(prodId);
        DateTime start = AsUtc(e.StartUtc, nameof(e.StartUtc));
        DateTime end = AsUtc(e.EndUtc, nameof(e.EndUtc));
        DateTime stamp = AsUtc(e.StampUtc, nameof(e.StampUtc));
        Validate(method, e, start, end);

        string tzParam = TzidParam(e.TimeZoneId);
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(e.TimeZoneId);
        // The year before the start and the year after the end, so the latest transition
        // before each instant is always inside the VTIMEZONE, whatever the event's local date.
        ZoneModel model = ZoneModel.Probe(zone,
            new DateTime(start.Year - 1, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            new DateTime(end.Year + 2, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var lines = new List<string>
        {
            "BEGIN:VCALENDAR",
            "PRODID:" + IcsText.EscapeText(prodId),
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:" + method.ToString().ToUpperInvariant(),
        };
        VTimeZoneWriter.Write(lines, e.TimeZoneId, model, start);

        bool cancelled = method == CalendarMethod.Cancel || e.Cancelled;
        lines.Add("BEGIN:VEVENT");
        lines.Add("UID:" + IcsText.EscapeText(e.Uid));
        lines.Add("DTSTAMP:" + IcsText.FormatUtc(stamp));
        lines.Add(ZonedDateTime("DTSTART", start, model, tzParam));
        lines.Add(ZonedDateTime("DTEND", end, model, tzParam));
        lines.Add("SEQUENCE:" + e.Sequence.ToString(CultureInfo.InvariantCulture));
        lines.Add("SUMMARY:" + IcsText.EscapeText(e.Summary));
        AddOptionalText(lines, "DESCRIPTION", e.Description);
        AddOptionalText(lines, "LOCATION", e.Location);
        if (!string.IsNullOrWhiteSpace(e.Url))
        {
            lines.Add("URL:" + AbsoluteUri(e.Url));
        }
        lines.Add("ORGANIZER" + CommonName(e.Organizer) + ":" + IcsText.MailtoUri(e.Organizer.Email, nameof(e.Organizer)));
        // PUBLISH is a plain entry for import: attendees there would make clients treat it as an invite.
        if (method != CalendarMethod.Publish)
        {
            foreach (CalendarPerson attendee in e.Attendees)
            {
                // RSVP=FALSE: replies are not processed, so clients should not offer to send one.
                lines.Add("ATTENDEE" + CommonName(attendee) + ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
                    + IcsText.MailtoUri(attendee.Email, nameof(e.Attendees)));
            }
        }
        lines.Add(cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
        lines.Add("TRANSP:OPAQUE");
        lines.Add(cancelled ? "X-MICROSOFT-CDO-BUSYSTATUS:FREE" : "X-MICROSOFT-CDO-BUSYSTATUS:BUSY");
        lines.Add("X-MICROSOFT-DISALLOW-COUNTER:TRUE");
        // No reminder for something that will not happen (RFC 5546 CANCEL carries no VALARM).
        if (!cancelled && e.AlarmMinutesBefore is int minutes)
        {
            lines.Add("BEGIN:VALARM");
            lines.Add("ACTION:DISPLAY");
            lines.Add("DESCRIPTION:" + IcsText.EscapeText(e.Summary));
            lines.Add("TRIGGER:-PT" + minutes.ToString(CultureInfo.InvariantCulture) + "M");
            lines.Add("END:VALARM");
        }
        lines.Add("END:VEVENT");
        lines.Add("END:VCALENDAR");
        return lines;
    }

    private static void Validate(CalendarMethod method, CalendarEvent e, DateTime start, DateTime end)
    {
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method));
        }
        ArgumentNullException.ThrowIfNull(e.Uid);
        ArgumentNullException.ThrowIfNull(e.Summary);
        ArgumentNullException.ThrowIfNull(e.Organizer);
        ArgumentNullException.ThrowIfNull(e.Attendees);
        if (string.IsNullOrWhiteSpace(e.Uid))
        {
            throw new ArgumentException("UID is required.", nameof(e));
        }
        if (e.Sequence < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(e), "SEQUENCE must not be negative.");
        }
        if (e.AlarmMinutesBefore < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(e), "AlarmMinutesBefore must not be negative.");
        }
        // RFC 5545 §3.8.2.2: DTEND must be later than DTSTART.
        if (end <= start)
        {
            throw new ArgumentException("EndUtc must be after StartUtc.", nameof(e));
        }
        // Keeps the probing window (a year either side) inside DateTime's range.
        if (start.Year < 1900 || end.Year > 9000)
        {
            throw new ArgumentOutOfRangeException(nameof(e), "Event dates must lie between 1900 and 9000.");
        }
        // RFC 5546: a REQUEST invites, and a CANCEL of the whole event must name, at least one attendee.
        if (method != CalendarMethod.Publish && e.Attendees.Count == 0)
        {
            throw new ArgumentException($"METHOD:{method.ToString().ToUpperInvariant()} needs at least one attendee.", nameof(e));
        }
    }

    /// <summary>
    /// DTSTART/DTEND in the event's zone, except for a wall time inside a repeated hour: RFC
    /// 5545 §3.3.5 reads it as the first pass, but real parsers disagree (ical.js takes the
    /// second), so either pass is written in UTC form instead: exactness over looks.
    /// </summary>
    private static string ZonedDateTime(string name, DateTime utc, ZoneModel model, string tzParam)
    {
        DateTime local = DateTime.SpecifyKind(utc + model.OffsetAt(utc), DateTimeKind.Unspecified);
        return model.ToUtc(local) == utc && !model.IsRepeated(local)
            ? $"{name};TZID={tzParam}:{IcsText.FormatLocal(local)}"
            : $"{name}:{IcsText.FormatUtc(utc)}";
    }

    private static DateTime AsUtc(DateTime value, string name)
    {
        if (value.Kind == DateTimeKind.Local)
        {
            // A Local value depends on the server's zone; refuse it rather than guess.
            throw new ArgumentException($"{name} must be UTC (Kind Utc or Unspecified), not Local.", name);
        }
        // iCalendar has whole seconds; drop the rest so DTSTART and the VTIMEZONE agree.
        return new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }

    private static string TzidParam(string tzid)
    {
        if (string.IsNullOrWhiteSpace(tzid) || tzid.Any(c => char.IsControl(c) || c == '"'))
        {
            throw new ArgumentException($"'{tzid}' is not a usable time zone id.", nameof(tzid));
        }
        // IANA ids never need quoting; anything with : ; , would.
        return tzid.AsSpan().IndexOfAny(":;,") >= 0 ? "\"" + tzid + "\"" : tzid;
    }

    private static void AddOptionalText(List<string> lines, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            lines.Add(name + ":" + IcsText.EscapeText(value));
        }
    }

    private static string CommonName(CalendarPerson person)
    {
        ArgumentNullException.ThrowIfNull(person);
        string name = IcsText.StripControls(person.Name ?? "", '"').Trim();
        return name.Length == 0 ? "" : ";CN=" + IcsText.QuotedParam(name);
    }

    private static string AbsoluteUri(string url)
    {
        // http(s) only: on Unix "/events/12" parses as an absolute file:// URI.
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"'{url}' is not an absolute http(s) URL.", nameof(url));
        }
        // A URI value may not contain raw spaces or non-ASCII: AbsoluteUri percent-encodes the
        // path and query, and an international host goes in its ASCII (punycode) form.
        return uri.Host == uri.IdnHost ? uri.AbsoluteUri : new UriBuilder(uri) { Host = uri.IdnHost }.Uri.AbsoluteUri;
    }
}
