using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;

namespace EventPortal.Calendar;

/// <summary>
/// Builds the VTIMEZONE (RFC 5545 §3.6.5) of one zone as Ical.Net components, from the
/// transitions a <see cref="ZoneModel"/> observed around the event. Transitions of the same
/// kind (same offsets, same daylight flag) become one STANDARD or DAYLIGHT observance: with an
/// RRULE when a yearly BYMONTH/BYDAY rule reproduces every one of them inside the window (what
/// Outlook and Google expect), with RDATEs otherwise. A zone without changes in the window
/// (Asia/Tokyo) gets one STANDARD block from 1970. Either way a reader gets exactly the
/// runtime's offsets for every instant in the window, which covers the event.
/// <para>
/// Why not Ical.Net's own <c>VTimeZone.FromDateTimeZone</c> (5.2.4): it describes the zone from
/// history up to <c>DateTimeOffset.Now</c>, not around the event. So Asia/Tokyo gets its 1951
/// rule (<c>TZOFFSETFROM:+1000</c> with a yearly RRULE) even with <c>includeHistoricalData:
/// false</c>; an event more than a year ahead throws (its window would start after now); a
/// change tzdata already schedules for the event's year is ignored; and the output changes with
/// the day it is written. <c>VTimeZoneTests</c> shows each.
/// </para>
/// </summary>
internal static class VTimeZoneBuilder
{
    // A fixed first onset for the observance in force before any change in the window, the
    // conventional one for zones without DST (the reference VTIMEZONE for Asia/Tokyo).
    private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    // TZNAME is optional and .NET on Linux exposes only long localised names, so a small map
    // of well-known abbreviations, keyed by zone and offset so that a historical offset of the
    // same zone never gets a wrong name (minutes east of UTC).
    private static readonly Dictionary<(string Zone, int Minutes), string> Abbreviations = BuildAbbreviations();

    public static VTimeZone Build(string tzid, ZoneModel model, DateTime eventStartUtc)
    {
        // Set as a plain property: the TzId setter looks the id up in NodaTime and adds X-LIC-LOCATION.
        var zone = new VTimeZone();
        zone.Properties.Set("TZID", tzid);

        // Needed when no change precedes the event inside the window (always for zones without DST).
        IReadOnlyList<ZoneTransition> transitions = model.Transitions;
        if (transitions.Count == 0 || transitions[0].Utc > eventStartUtc)
        {
            DateTime windowStartLocal = model.WindowStart + model.InitialOffset;
            DateTime onset = windowStartLocal < Epoch ? windowStartLocal : Epoch;
            zone.AddChild(Observance(tzid, model.InitialIsDaylight, onset, model.InitialOffset, model.InitialOffset));
        }

        IEnumerable<List<ZoneTransition>> groups = transitions
            .GroupBy(t => (t.IsDaylight, t.OffsetFrom, t.OffsetTo))
            .Select(g => g.ToList())
            .OrderBy(g => g[0].Utc);
        foreach (List<ZoneTransition> group in groups)
        {
            ZoneTransition first = group[0];
            VTimeZoneInfo observance = Observance(tzid, first.IsDaylight, first.LocalOnset, first.OffsetFrom, first.OffsetTo);
            if (FindYearlyRule(group, model.WindowEnd) is RecurrenceRule rule)
            {
                observance.RecurrenceRule = rule;
            }
            else
            {
                observance.RecurrenceDates.AddRange(group.Skip(1).Select(t => new CalDateTime(t.LocalOnset)));
            }
            zone.AddChild(observance);
        }
        return zone;
    }

    private static VTimeZoneInfo Observance(string tzid, bool isDaylight, DateTime onset, TimeSpan from, TimeSpan to)
    {
        var observance = new VTimeZoneInfo(isDaylight ? Components.Daylight : Components.Standard)
        {
            Start = new CalDateTime(DateTime.SpecifyKind(onset, DateTimeKind.Unspecified)),
            OffsetFrom = new UtcOffset(from),
            OffsetTo = new UtcOffset(to),
        };
        if (Abbreviations.TryGetValue((tzid, (int)to.TotalMinutes), out string? name))
        {
            observance.TimeZoneName = name;
        }
        return observance;
    }

    /// <summary>
    /// A FREQ=YEARLY;BYMONTH;BYDAY rule whose occurrences from the group's first onset to the
    /// end of the window are exactly the group's onsets, or null. Two or more onsets are
    /// required: one alone says nothing about a yearly pattern. Both "n-th" and "last" weekday
    /// are tried ("last" first: it is the EU rule, and a 4th Sunday that is also the last one
    /// in every sampled year is far more likely a "last Sunday" rule).
    /// </summary>
    private static RecurrenceRule? FindYearlyRule(List<ZoneTransition> group, DateTime windowEnd)
    {
        if (group.Count < 2)
        {
            return null;
        }
        DateTime first = group[0].LocalOnset;
        if (group.Any(t => t.LocalOnset.Month != first.Month || t.LocalOnset.TimeOfDay != first.TimeOfDay
            || t.LocalOnset.DayOfWeek != first.DayOfWeek))
        {
            return null;
        }
        int nth = (first.Day - 1) / 7 + 1;
        int[] candidates = nth <= 4 ? [-1, nth] : [-1];
        foreach (int week in candidates)
        {
            if (Generates(group, week, windowEnd))
            {
                var rule = new RecurrenceRule(FrequencyType.Yearly);
                rule.ByMonth.Add(first.Month);
                rule.ByDay.Add(new WeekDay(first.DayOfWeek, week));
                return rule;
            }
        }
        return null;
    }

    private static bool Generates(List<ZoneTransition> group, int week, DateTime windowEnd)
    {
        ZoneTransition first = group[0];
        DateTime onset = first.LocalOnset;
        var generated = new List<DateTime>();
        for (int year = onset.Year; year <= windowEnd.Year + 1; year++)
        {
            DateTime? day = WeekdayInMonth(year, onset.Month, week, onset.DayOfWeek);
            if (day is null)
            {
                continue;
            }
            DateTime utc = day.Value + onset.TimeOfDay - first.OffsetFrom;
            if (utc >= first.Utc && utc < windowEnd)
            {
                generated.Add(utc);
            }
        }
        return generated.SequenceEqual(group.Select(t => t.Utc));
    }

    /// <summary>The <paramref name="week"/>-th (1..4) or last (-1) given weekday of a month.</summary>
    private static DateTime? WeekdayInMonth(int year, int month, int week, DayOfWeek dayOfWeek)
    {
        if (year is < 1 or > 9999)
        {
            return null;
        }
        if (week == -1)
        {
            var last = new DateTime(year, month, DateTime.DaysInMonth(year, month));
            return last.AddDays(-(((int)last.DayOfWeek - (int)dayOfWeek + 7) % 7));
        }
        var firstOfMonth = new DateTime(year, month, 1);
        return firstOfMonth.AddDays(((int)dayOfWeek - (int)firstOfMonth.DayOfWeek + 7) % 7 + 7 * (week - 1));
    }

    private static Dictionary<(string, int), string> BuildAbbreviations()
    {
        var map = new Dictionary<(string, int), string>();
        void Add(string zones, params (int Minutes, string Name)[] names)
        {
            foreach (string zone in zones.Split(' '))
            {
                foreach ((int minutes, string name) in names)
                {
                    map[(zone, minutes)] = name;
                }
            }
        }
        Add("Asia/Tokyo", (540, "JST"));
        Add("Asia/Seoul", (540, "KST"));
        Add("Asia/Shanghai Asia/Taipei", (480, "CST"));
        Add("Asia/Hong_Kong", (480, "HKT"));
        Add("Asia/Kolkata", (330, "IST"));
        Add("Europe/Berlin Europe/Paris Europe/Amsterdam Europe/Brussels Europe/Vienna Europe/Zurich Europe/Rome "
            + "Europe/Madrid Europe/Stockholm Europe/Oslo Europe/Copenhagen Europe/Prague Europe/Warsaw Europe/Budapest",
            (60, "CET"), (120, "CEST"));
        Add("Europe/London", (0, "GMT"), (60, "BST"));
        Add("Europe/Helsinki Europe/Athens", (120, "EET"), (180, "EEST"));
        Add("America/New_York America/Toronto", (-300, "EST"), (-240, "EDT"));
        Add("America/Chicago", (-360, "CST"), (-300, "CDT"));
        Add("America/Denver", (-420, "MST"), (-360, "MDT"));
        Add("America/Phoenix", (-420, "MST"));
        Add("America/Los_Angeles America/Vancouver", (-480, "PST"), (-420, "PDT"));
        Add("Pacific/Honolulu", (-600, "HST"));
        Add("Australia/Sydney Australia/Melbourne Australia/Canberra", (600, "AEST"), (660, "AEDT"));
        Add("UTC Etc/UTC", (0, "UTC"));
        return map;
    }
}
