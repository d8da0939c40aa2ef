namespace EventPortal.Calendar;

/// <summary>A change of UTC offset, as a VTIMEZONE observance onset describes it.</summary>
internal sealed record ZoneTransition(DateTime Utc, TimeSpan OffsetFrom, TimeSpan OffsetTo, bool IsDaylight)
{
    /// <summary>
    /// The onset as VTIMEZONE writes it: wall time on the clock in force before the change
    /// (RFC 5545 §3.6.5, DTSTART is interpreted with TZOFFSETFROM).
    /// </summary>
    public DateTime LocalOnset => DateTime.SpecifyKind(Utc + OffsetFrom, DateTimeKind.Unspecified);
}

/// <summary>
/// The actual offset changes of one zone inside a UTC window, found by probing
/// <see cref="TimeZoneInfo.GetUtcOffset(DateTime)"/>. Probing rather than reading
/// <see cref="TimeZoneInfo.GetAdjustmentRules"/> because on Linux those rules mirror the
/// tzdata file: with "fat" tzdata every year up to 2037 is a separate fixed-date rule, and
/// only the POSIX footer after it is a floating rule. The observed transitions are the truth
/// whichever way the runtime stores them; <see cref="VTimeZoneBuilder"/> then recognises the
/// yearly pattern in them.
/// </summary>
internal sealed class ZoneModel
{
    // Probing step. Offset changes are months apart in every current rule; two changes
    // closer than this that cancel each other out would go unseen, none exist in tzdata.
    private static readonly TimeSpan Step = TimeSpan.FromHours(12);
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private ZoneModel(DateTime windowStart, DateTime windowEnd, TimeSpan initialOffset, bool initialIsDaylight,
        IReadOnlyList<ZoneTransition> transitions)
    {
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        InitialOffset = initialOffset;
        InitialIsDaylight = initialIsDaylight;
        Transitions = transitions;
    }

    public DateTime WindowStart { get; }
    public DateTime WindowEnd { get; }
    public TimeSpan InitialOffset { get; }
    public bool InitialIsDaylight { get; }

    /// <summary>Offset changes in [WindowStart, WindowEnd), in time order.</summary>
    public IReadOnlyList<ZoneTransition> Transitions { get; }

    /// <summary>Probes <paramref name="zone"/> between two UTC instants (whole seconds).</summary>
    public static ZoneModel Probe(TimeZoneInfo zone, DateTime windowStart, DateTime windowEnd)
    {
        var transitions = new List<ZoneTransition>();
        DateTime at = windowStart;
        TimeSpan offset = zone.GetUtcOffset(at);
        while (at < windowEnd)
        {
            DateTime next = at + Step < windowEnd ? at + Step : windowEnd;
            if (zone.GetUtcOffset(next) == offset)
            {
                at = next;
                continue;
            }
            // Bisect to the first whole second with the new offset (tzdata changes are on whole seconds).
            DateTime lo = at, hi = next;
            while (hi - lo > OneSecond)
            {
                DateTime mid = lo + TimeSpan.FromSeconds(Math.Floor((hi - lo).TotalSeconds / 2));
                if (zone.GetUtcOffset(mid) == offset)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }
            TimeSpan after = zone.GetUtcOffset(hi);
            if (hi < windowEnd)
            {
                transitions.Add(new ZoneTransition(hi, offset, after, zone.IsDaylightSavingTime(hi)));
            }
            // Continue from the change itself so a second change within the same step is still found.
            at = hi;
            offset = after;
        }
        return new ZoneModel(windowStart, windowEnd, zone.GetUtcOffset(windowStart),
            zone.IsDaylightSavingTime(windowStart), transitions);
    }

    /// <summary>The offset in force at a UTC instant inside the window.</summary>
    public TimeSpan OffsetAt(DateTime utc)
    {
        TimeSpan offset = InitialOffset;
        foreach (ZoneTransition t in Transitions)
        {
            if (t.Utc > utc)
            {
                break;
            }
            offset = t.OffsetTo;
        }
        return offset;
    }

    /// <summary>
    /// How a reader of the VTIMEZONE turns a wall time back into UTC (RFC 5545 §3.3.5): the
    /// observance with the latest onset at or before the wall time applies, so a repeated
    /// hour means its first occurrence and a skipped hour takes the earlier offset.
    /// </summary>
    public bool IsRepeated(DateTime local) =>
        Transitions.Any(t => t.OffsetTo < t.OffsetFrom && local >= t.Utc + t.OffsetTo && local < t.Utc + t.OffsetFrom);

    public DateTime ToUtc(DateTime local)
    {
        TimeSpan offset = InitialOffset;
        foreach (ZoneTransition t in Transitions)
        {
            if (t.LocalOnset > local)
            {
                break;
            }
            offset = t.OffsetTo;
        }
        return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
    }
}
