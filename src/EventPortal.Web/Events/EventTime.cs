using System.Collections.Concurrent;
using System.Globalization;
using EventPortal.Web.Localization;

namespace EventPortal.Web.Events;

/// <summary>
/// Event times shown in the event's own time zone, the way readers expect them:
/// <c>2027年3月6日(土) 12:00〜13:00 (日本時間)</c> or <c>Sat 6 March 2027, 12:00–13:00 (Japan time)</c>.
/// </summary>
public static class EventTime
{
    /// <summary>Unknown ids throw and are not kept, so this holds at most the system's zones.</summary>
    static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    /// <summary>Looked up once per zone: the CSV export converts four times a row, 100,000 rows at a time.</summary>
    public static TimeZoneInfo Zone(string ianaId) => Zones.GetOrAdd(ianaId, TimeZoneInfo.FindSystemTimeZoneById);

    public static DateTime Local(DateTime utc, string ianaId) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone(ianaId));

    /// <summary>A stored time in the event's zone as the console and Excel show it (<c>2027-03-06 12:00:00</c>); empty for none.</summary>
    public static string Stamp(DateTime? utc, string ianaId) =>
        utc is { } t ? Local(t, ianaId).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";

    public static string Range(DateTime startUtc, DateTime endUtc, string ianaId, string language)
    {
        var start = Local(startUtc, ianaId);
        var end = Local(endUtc, ianaId);
        var sameDay = start.Date == end.Date;
        var zone = ZoneLabel(startUtc, ianaId, language);
        return language == "ja"
            ? $"{Date(start, language)} {start:HH:mm}〜{(sameDay ? "" : Date(end, language) + " ")}{end:HH:mm} ({zone})"
            : $"{Date(start, language)}, {start:HH:mm}–{(sameDay ? "" : Date(end, language) + ", ")}{end:HH:mm} ({zone})";
    }

    public static string Date(DateTime local, string language)
    {
        var culture = CultureInfo.GetCultureInfo(language == "ja" ? "ja-JP" : "en-GB");
        return language == "ja"
            ? local.ToString("yyyy年M月d日(ddd)", culture)
            : local.ToString("ddd d MMMM yyyy", culture);
    }

    /// <summary>"11:55" for a 12:00 start with doors open five minutes early.</summary>
    public static string DoorsOpen(DateTime startUtc, int minutes, string ianaId) =>
        Local(startUtc.AddMinutes(-minutes), ianaId).ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A name for the zone where we have one (日本時間), else the offset and the IANA name.</summary>
    public static string ZoneLabel(DateTime utc, string ianaId, string language)
    {
        var key = "tz." + ianaId;
        var named = Text.Get(key, language);
        if (named != key) return named;
        var offset = Zone(ianaId).GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return $"UTC{sign}{offset:hh\\:mm} {ianaId}";
    }
}
