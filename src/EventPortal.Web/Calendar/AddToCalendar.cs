using System.Globalization;
using EventPortal.Calendar;

namespace EventPortal.Web.Calendar;

/// <summary>
/// "Add to calendar" links for Google Calendar and Outlook (work and personal accounts). The
/// vendors do not document these; the shapes are the ones their own buttons use, as collected in
/// github.com/InteractionDesignFoundation/add-event-to-calendar-docs. Times
/// go as UTC so no client can misread the zone; text is percent-encoded UTF-8.
/// </summary>
public static class AddToCalendar
{
    public static string Google(CalendarEvent e) =>
        "https://calendar.google.com/calendar/render?action=TEMPLATE" +
        $"&text={Encode(e.Summary)}&dates={Compact(e.StartUtc)}/{Compact(e.EndUtc)}" +
        $"&details={Encode(e.Description)}&location={Encode(e.Location)}&ctz={Encode(e.TimeZoneId)}";

    /// <summary>Outlook on the web for work or school accounts (Microsoft 365).</summary>
    public static string OutlookWork(CalendarEvent e) => Outlook("https://outlook.office.com", e);

    /// <summary>Outlook.com for personal Microsoft accounts.</summary>
    public static string OutlookPersonal(CalendarEvent e) => Outlook("https://outlook.live.com", e);

    static string Outlook(string host, CalendarEvent e) =>
        $"{host}/calendar/deeplink/compose?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent" +
        $"&subject={Encode(e.Summary)}&startdt={Iso(e.StartUtc)}&enddt={Iso(e.EndUtc)}" +
        $"&body={Encode(e.Description)}&location={Encode(e.Location)}";

    static string Encode(string? text) => Uri.EscapeDataString(text ?? "");
    static string Compact(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    static string Iso(DateTime utc) => Uri.EscapeDataString(utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
