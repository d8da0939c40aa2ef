using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace EventPortal.Calendar;

/// <summary>
/// Writes many invites of one event as fast as one: the invites of a rush differ only in the
/// person (the UID, SEQUENCE and DTSTAMP, the attendee, and the personal links inside LOCATION
/// and DESCRIPTION), so the event goes through Ical.Net once per shape, with markers where the
/// person's values go, and each invite is that text with the values filled in and folded again.
/// Ical.Net was the largest share of the CPU a confirmation mail cost (bench/README.md, "Mail
/// dispatch"). The output is the same text <see cref="IcsWriter.Write"/> gives, octet for octet
/// (<c>InviteTemplateTests</c> compares the two on awkward names, addresses and texts); anything
/// this class does not fill in exactly (values that TEXT escaping or RFC 6868 would change,
/// several attendees, an attendee without a name) is written by <see cref="IcsWriter"/> itself.
/// </summary>
public static class InviteTemplates
{
    const int MaxShapes = 1000;
    const char Open = '\uE000', Close = '\uE001';
    static readonly DateTime MarkerStamp = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    const string MarkerAddress = "attendee@marker.invalid";
    static readonly string MarkerName = $"{Open}N{Close}";
    const string SequenceAnchor = "\r\nSEQUENCE:0\r\n", StampAnchor = "\r\nDTSTAMP:20000101T000000Z\r\n";
    /// <summary>The unfolded text of each shape; null for a shape whose text lacks an anchor (then Ical.Net writes it).</summary>
    static readonly ConcurrentDictionary<(CalendarMethod, CalendarEvent), string?> Shapes = new();

    /// <summary>
    /// Writes <paramref name="e"/> like <see cref="IcsWriter.Write"/>. <paramref name="personal"/>
    /// names the strings that make an invite personal (its UID, the join and manage links): where
    /// they appear in the UID, LOCATION or DESCRIPTION, they are filled into the shared text.
    /// </summary>
    public static string Write(CalendarMethod method, CalendarEvent e, params string[] personal)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (method == CalendarMethod.Publish || e.Sequence < 0 || !Fillable(e, personal)) return IcsWriter.Write(method, e);
        var person = e.Attendees[0];
        var ordered = personal.Where(p => p.Length > 0).Distinct().OrderByDescending(p => p.Length).ToArray();
        var shape = e with
        {
            Uid = Marked(e.Uid, ordered),
            Location = e.Location is null ? null : Marked(e.Location, ordered),
            Description = e.Description is null ? null : Marked(e.Description, ordered),
            Sequence = 0,
            StampUtc = MarkerStamp,
            Attendees = MarkerAttendees,
        };
        if (Shapes.Count >= MaxShapes) Shapes.Clear();
        var template = Shapes.GetOrAdd((method, shape), key => Template(key.Item1, key.Item2));
        return template is null ? IcsWriter.Write(method, e) : Fill(template, ordered, e, person);
    }

    internal static int ShapeCount => Shapes.Count;

    /// <summary>Whether a shape with this summary is filled in (not handed to Ical.Net for each person).</summary>
    internal static bool Fills(CalendarMethod method, string summary) =>
        Shapes.Any(s => s.Key.Item1 == method && s.Key.Item2.Summary == summary && s.Value is not null);

    static readonly CalendarPerson[] MarkerAttendees = [new(MarkerAddress, MarkerName)];

    /// <summary>
    /// True when filling in gives exactly what Ical.Net would write: one named attendee, and personal
    /// values that TEXT escaping leaves as they are, in text that holds no marker characters of its own.
    /// </summary>
    static bool Fillable(CalendarEvent e, string[] personal) =>
        e.Attendees is [{ Name: { } name }] && name.Trim().Length > 0
        && personal.All(p => p.AsSpan().IndexOfAny("\\;,\r\n") < 0 && !p.Any(char.IsControl) && !HasMarker(p))
        && !HasMarker(e.Uid) && !HasMarker(e.Location) && !HasMarker(e.Description) && !HasMarker(e.Summary) && !HasMarker(name);

    static bool HasMarker(string? s) => s is not null && s.AsSpan().IndexOfAny(Open, Close) >= 0;

    static string Marked(string value, string[] ordered)
    {
        for (var i = 0; i < ordered.Length; i++) value = value.Replace(ordered[i], Marker(i), StringComparison.Ordinal);
        return value;
    }

    static string Marker(int i) => string.Create(CultureInfo.InvariantCulture, $"{Open}{i}{Close}");

    /// <summary>Ical.Net's text of the shape, unfolded (one content line per CRLF), if each anchor is there exactly once.</summary>
    static string? Template(CalendarMethod method, CalendarEvent shape)
    {
        var text = IcsWriter.Serialize(IcsWriter.ToCalendar(method, shape, IcsWriter.DefaultProdId))
            .Replace("\r\n ", "", StringComparison.Ordinal);
        string[] anchors = [SequenceAnchor, StampAnchor, "CN=" + MarkerName, "mailto:" + MarkerAddress];
        return anchors.All(a => Count(text, a) == 1) ? text : null;
    }

    static int Count(string text, string anchor)
    {
        var n = 0;
        for (var i = text.IndexOf(anchor, StringComparison.Ordinal); i >= 0; i = text.IndexOf(anchor, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    static string Fill(string template, string[] ordered, CalendarEvent e, CalendarPerson person)
    {
        var text = new StringBuilder(template, template.Length + 256);
        for (var i = 0; i < ordered.Length; i++) text.Replace(Marker(i), ordered[i]);
        text.Replace("CN=" + MarkerName, "CN=" + Rfc6868ParameterSerializer.Quoted(Rfc6868ParameterSerializer.Encode(person.Name!.Trim())));
        text.Replace("mailto:" + MarkerAddress, IcsWriter.MailtoUri(person.Email, nameof(e.Attendees)).OriginalString);
        text.Replace(SequenceAnchor, string.Create(CultureInfo.InvariantCulture, $"\r\nSEQUENCE:{e.Sequence}\r\n"));
        var stamp = IcsWriter.AsUtc(e.StampUtc, nameof(e.StampUtc));
        text.Replace(StampAnchor, $"\r\nDTSTAMP:{stamp.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}\r\n");
        var output = new StringBuilder(text.Length + text.Length / 60 * 3);
        foreach (var line in text.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries)) Folding.AppendFolded(output, line);
        return output.ToString();
    }
}
