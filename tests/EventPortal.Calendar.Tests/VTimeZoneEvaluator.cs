using System.Globalization;
using System.Text.RegularExpressions;

namespace EventPortal.Calendar.Tests;

/// <summary>
/// Applies the VTIMEZONE components of a calendar the way a reader does (RFC 5545 §3.6.5),
/// written from the RFC alone so that it checks the writer rather than repeats it. Supports
/// what a VTIMEZONE needs: STANDARD/DAYLIGHT with DTSTART, TZOFFSETFROM, TZOFFSETTO, RDATE and
/// RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=[+-]nDD. Anything else fails the test.
/// </summary>
internal sealed partial class VTimeZoneEvaluator
{
    private sealed record Observance(
        DateTime Start, TimeSpan From, TimeSpan To, int? Month, int? Week, DayOfWeek? Day, List<DateTime> RDates);

    private readonly Dictionary<string, List<Observance>> _zones = new(StringComparer.Ordinal);

    public VTimeZoneEvaluator(string calendarText)
    {
        List<Observance>? zone = null;
        Dictionary<string, string>? props = null;
        List<DateTime> rdates = [];
        foreach (ContentLine line in Ics.Parse(calendarText))
        {
            switch (line.Name, line.Value)
            {
                case ("BEGIN", "VTIMEZONE"):
                    zone = [];
                    break;
                case ("TZID", _) when zone is not null && props is null:
                    _zones[Ics.UnescapeText(line.Value)] = zone;
                    break;
                case ("BEGIN", "STANDARD" or "DAYLIGHT"):
                    props = new(StringComparer.Ordinal);
                    rdates = [];
                    break;
                case ("RDATE", _) when props is not null:
                    rdates.AddRange(line.Value.Split(',').Select(LocalTime));
                    break;
                case ("END", "STANDARD" or "DAYLIGHT"):
                    zone!.Add(ToObservance(props!, rdates));
                    props = null;
                    break;
                case ("END", "VTIMEZONE"):
                    zone = null;
                    break;
                default:
                    props?.Add(line.Name, line.Value);
                    break;
            }
        }
    }

    /// <summary>DTSTART/DTEND value to UTC: either the UTC form or local time with a TZID.</summary>
    public DateTime ToUtc(ContentLine property)
    {
        if (property["TZID"] is not string tzid)
        {
            Assert.EndsWith("Z", property.Value);
            return DateTime.SpecifyKind(LocalTime(property.Value[..^1]), DateTimeKind.Utc);
        }
        Assert.True(_zones.TryGetValue(tzid, out List<Observance>? zone), $"TZID {tzid} not defined");
        DateTime local = LocalTime(property.Value);

        // The observance whose most recent onset (in its TZOFFSETFROM wall time) is at or before
        // the local time applies; its TZOFFSETTO is the offset.
        DateTime? bestOnset = null;
        TimeSpan offset = default;
        foreach (Observance o in zone)
        {
            foreach (DateTime onset in Onsets(o, local.Year + 1).Where(d => d <= local))
            {
                if (bestOnset is null || onset > bestOnset)
                {
                    bestOnset = onset;
                    offset = o.To;
                }
            }
        }
        Assert.True(bestOnset is not null, $"{local:s} precedes every observance of {tzid}");
        return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
    }

    private static IEnumerable<DateTime> Onsets(Observance o, int untilYear)
    {
        yield return o.Start;
        foreach (DateTime rdate in o.RDates)
        {
            yield return rdate;
        }
        if (o.Month is not int month)
        {
            yield break;
        }
        for (int year = o.Start.Year; year <= untilYear; year++)
        {
            // All days of the month with the weekday, then pick by position from either end.
            List<DateTime> days = [.. Enumerable.Range(1, DateTime.DaysInMonth(year, month))
                .Select(d => new DateTime(year, month, d))
                .Where(d => d.DayOfWeek == o.Day)];
            DateTime day = o.Week > 0 ? days[o.Week.Value - 1] : days[days.Count + o.Week!.Value];
            DateTime onset = day + o.Start.TimeOfDay;
            if (onset >= o.Start)
            {
                yield return onset;
            }
        }
    }

    private static Observance ToObservance(Dictionary<string, string> props, List<DateTime> rdates)
    {
        int? month = null, week = null;
        DayOfWeek? day = null;
        if (props.TryGetValue("RRULE", out string? rule))
        {
            // The rule parts in any order (RFC 5545 §3.3.10), but exactly these three.
            string parts = string.Join(";", rule.Split(';').Order(StringComparer.Ordinal));
            Match m = YearlyRule().Match(parts);
            Assert.True(m.Success, $"Unsupported RRULE {rule}");
            month = int.Parse(m.Groups["month"].Value, CultureInfo.InvariantCulture);
            week = int.Parse(m.Groups["week"].Value, CultureInfo.InvariantCulture);
            day = (DayOfWeek)Array.IndexOf(["SU", "MO", "TU", "WE", "TH", "FR", "SA"], m.Groups["day"].Value);
        }
        return new Observance(LocalTime(props["DTSTART"]), Offset(props["TZOFFSETFROM"]), Offset(props["TZOFFSETTO"]),
            month, week, day, rdates);
    }

    private static DateTime LocalTime(string value) =>
        DateTime.ParseExact(value, "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    private static TimeSpan Offset(string value)
    {
        Match m = OffsetPattern().Match(value);
        Assert.True(m.Success, $"Bad UTC-OFFSET {value}");
        var span = new TimeSpan(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            m.Groups[4].Success ? int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : 0);
        return m.Groups[1].Value == "-" ? -span : span;
    }

    [GeneratedRegex(@"^BYDAY=(?<week>[+-]?[1-5])(?<day>SU|MO|TU|WE|TH|FR|SA);BYMONTH=(?<month>1[0-2]|[1-9]);FREQ=YEARLY$")]
    private static partial Regex YearlyRule();

    [GeneratedRegex(@"^([+-])(\d\d)(\d\d)(\d\d)?$")]
    private static partial Regex OffsetPattern();
}
