using System.Globalization;
using System.Text;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using IcalCalendar = Ical.Net.Calendar;
using IcalEvent = Ical.Net.CalendarComponents.CalendarEvent;

namespace EventPortal.Calendar;

/// <summary>
/// Writes one event as an iCalendar object (RFC 5545) for an iTIP method (RFC 5546): maps a
/// <see cref="CalendarEvent"/> onto an Ical.Net calendar (VCALENDAR, the VTIMEZONE of the
/// event's zone, the VEVENT) and lets Ical.Net serialize it. The same mapping serves the public
/// <c>event.ics</c> (PUBLISH) and mail invites (REQUEST, CANCEL), so the two cannot drift apart.
/// Three pieces Ical.Net 5.2.4 gets wrong are ours, each with its reason beside it:
/// <see cref="Rfc6868ParameterSerializer"/>, <see cref="VTimeZoneBuilder"/> and <see cref="Folding"/>.
/// </summary>
public static class IcsWriter
{
    public const string DefaultProdId = "-//EventPortal//EventPortal 1.0//JA";

    /// <summary>Returns the calendar text: CRLF line ends, folded at 75 octets, encode it as UTF-8.</summary>
    /// <exception cref="ArgumentException">Invalid times, mail addresses or URL, or a REQUEST/CANCEL without attendees.</exception>
    /// <exception cref="TimeZoneNotFoundException">The runtime does not know <see cref="CalendarEvent.TimeZoneId"/>.</exception>
    public static string Write(CalendarMethod method, CalendarEvent e, string prodId = DefaultProdId) =>
        Folding.Refold(Serialize(ToCalendar(method, e, prodId)));

    /// <summary>Ical.Net's serializer with our parameter encoding; its folding is redone by <see cref="Folding"/>.</summary>
    internal static string Serialize(IcalCalendar calendar)
    {
        var context = new SerializationContext();
        context.SetService(new Rfc6868SerializerFactory());
        return new CalendarSerializer(context).SerializeToString(calendar)
            ?? throw new InvalidOperationException("Ical.Net wrote no calendar.");
    }

    internal static IcalCalendar ToCalendar(CalendarMethod method, CalendarEvent e, string prodId)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(prodId);
        DateTime start = AsUtc(e.StartUtc, nameof(e.StartUtc));
        DateTime end = AsUtc(e.EndUtc, nameof(e.EndUtc));
        DateTime stamp = AsUtc(e.StampUtc, nameof(e.StampUtc));
        Validate(method, e, start, end);
        ValidateTzid(e.TimeZoneId);

        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(e.TimeZoneId);
        // The year before the start and the year after the end, so the latest transition
        // before each instant is always inside the VTIMEZONE, whatever the event's local date.
        ZoneModel model = ZoneModel.Probe(zone,
            new DateTime(start.Year - 1, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            new DateTime(end.Year + 2, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var calendar = new IcalCalendar
        {
            ProductId = Folding.WithoutControls(prodId),
            Scale = "GREGORIAN",
            Method = method.ToString().ToUpperInvariant(),
        };
        calendar.AddTimeZone(VTimeZoneBuilder.Build(e.TimeZoneId, model, start));
        calendar.Events.Add(ToEvent(method, e, start, end, stamp, model));
        return calendar;
    }

    private static IcalEvent ToEvent(CalendarMethod method, CalendarEvent e, DateTime start, DateTime end, DateTime stamp,
        ZoneModel model)
    {
        bool cancelled = method == CalendarMethod.Cancel || e.Cancelled;
        var ev = new IcalEvent
        {
            Uid = Folding.WithoutControls(e.Uid),
            DtStamp = new CalDateTime(stamp),
            DtStart = Zoned(start, model, e.TimeZoneId),
            DtEnd = Zoned(end, model, e.TimeZoneId),
            Sequence = e.Sequence,
            Summary = Folding.WithoutControls(e.Summary),
            Organizer = Person(new Organizer { Value = MailtoUri(e.Organizer.Email, nameof(e.Organizer)) }, e.Organizer),
            Status = cancelled ? EventStatus.Cancelled : EventStatus.Confirmed,
            Transparency = TransparencyType.Opaque,
        };
        if (!string.IsNullOrEmpty(e.Description))
        {
            ev.Description = Folding.WithoutControls(e.Description);
        }
        if (!string.IsNullOrEmpty(e.Location))
        {
            ev.Location = Folding.WithoutControls(e.Location);
        }
        if (!string.IsNullOrWhiteSpace(e.Url))
        {
            ev.Url = AbsoluteUri(e.Url);
        }
        // PUBLISH is a plain entry for import: attendees there would make clients treat it as an invite.
        if (method != CalendarMethod.Publish)
        {
            foreach (CalendarPerson person in e.Attendees)
            {
                // RSVP=FALSE: replies are not processed, so clients should not offer to send one.
                ev.Attendees.Add(Person(new Attendee
                {
                    Value = MailtoUri(person.Email, nameof(e.Attendees)),
                    Role = ParticipationRole.RequiredParticipant,
                    ParticipationStatus = EventParticipationStatus.NeedsAction,
                    Rsvp = false,
                }, person));
            }
        }
        ev.AddProperty("X-MICROSOFT-CDO-BUSYSTATUS", cancelled ? "FREE" : "BUSY");
        ev.AddProperty("X-MICROSOFT-DISALLOW-COUNTER", "TRUE");
        // No reminder for something that will not happen (RFC 5546 CANCEL carries no VALARM).
        if (!cancelled && e.AlarmMinutesBefore is int minutes)
        {
            ev.Alarms.Add(new Alarm
            {
                Action = AlarmAction.Display,
                Description = ev.Summary,
                Trigger = new Trigger(Duration.FromMinutes(-minutes)),
            });
        }
        return ev;
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
    private static CalDateTime Zoned(DateTime utc, ZoneModel model, string tzid)
    {
        DateTime local = DateTime.SpecifyKind(utc + model.OffsetAt(utc), DateTimeKind.Unspecified);
        return model.ToUtc(local) == utc && !model.IsRepeated(local) ? new CalDateTime(local, tzid) : new CalDateTime(utc);
    }

    internal static DateTime AsUtc(DateTime value, string name)
    {
        if (value.Kind == DateTimeKind.Local)
        {
            // A Local value depends on the server's zone; refuse it rather than guess.
            throw new ArgumentException($"{name} must be UTC (Kind Utc or Unspecified), not Local.", name);
        }
        // iCalendar has whole seconds; drop the rest so DTSTART and the VTIMEZONE agree.
        return new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }

    private static void ValidateTzid(string tzid)
    {
        if (string.IsNullOrWhiteSpace(tzid) || tzid.Any(c => char.IsControl(c) || c == '"'))
        {
            throw new ArgumentException($"'{tzid}' is not a usable time zone id.", nameof(tzid));
        }
    }

    /// <summary>
    /// Sets CN to the display name as given, ends trimmed; <see cref="Rfc6868ParameterSerializer"/>
    /// encodes it. No name, no CN (Ical.Net would write an empty one).
    /// </summary>
    private static T Person<T>(T target, CalendarPerson person) where T : EncodableDataType
    {
        ArgumentNullException.ThrowIfNull(person);
        string name = (person.Name ?? "").Trim();
        if (name.Length > 0)
        {
            target.Parameters.Set("CN", name);
        }
        return target;
    }

    /// <summary>
    /// A CAL-ADDRESS (§3.3.3) for a mail address: <c>mailto:</c> plus the local part with
    /// everything outside a small safe set percent-encoded as UTF-8 (RFC 6068), so that
    /// <c>?</c>, <c>#</c>, <c>%</c> or non-ASCII local parts still give a valid URI, and an
    /// international domain in its ASCII (punycode) form, the one mail servers use and the only
    /// one <see cref="Uri"/> (which Ical.Net takes) accepts as a host.
    /// </summary>
    internal static Uri MailtoUri(string email, string paramName)
    {
        string address = (email ?? "").Trim();
        int at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch)))
        {
            throw new ArgumentException($"'{email}' is not a mail address.", paramName);
        }
        try
        {
            string domain = address[(at + 1)..];
            domain = domain.All(char.IsAscii) ? domain : new IdnMapping().GetAscii(domain);
            return new Uri("mailto:" + PercentEncoded(address[..at]) + "@" + PercentEncoded(domain));
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException)
        {
            throw new ArgumentException($"'{email}' is not a mail address.", paramName, ex);
        }
    }

    private static string PercentEncoded(string value)
    {
        var sb = new StringBuilder(value.Length + 16);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || "-._~!$'*+=&".Contains((char)b))
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static Uri AbsoluteUri(string url)
    {
        // http(s) only: on Unix "/events/12" parses as an absolute file:// URI.
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"'{url}' is not an absolute http(s) URL.", nameof(url));
        }
        // A URI value may not contain raw spaces or non-ASCII: AbsoluteUri percent-encodes the
        // path and query, and an international host goes in its ASCII (punycode) form. Ical.Net
        // writes a Uri's OriginalString, hence a new Uri from the normalised text.
        return new Uri(uri.Host == uri.IdnHost ? uri.AbsoluteUri : new UriBuilder(uri) { Host = uri.IdnHost }.Uri.AbsoluteUri);
    }
}
