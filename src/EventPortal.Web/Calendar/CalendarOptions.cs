namespace EventPortal.Web.Calendar;

/// <summary>Settings under <c>EventPortal:Calendar</c>.</summary>
public sealed class CalendarOptions
{
    public const string Section = "EventPortal:Calendar";

    /// <summary>The display alarm in invites, in minutes before the start; 0 turns it off.</summary>
    public int AlarmMinutesBefore { get; set; } = 15;

    /// <summary>How long after the end the personal join link keeps working (overruns happen).</summary>
    public int JoinGraceMinutes { get; set; } = 30;

    /// <summary>
    /// The right-hand side of every calendar UID. UIDs must never change once sent, so this is
    /// fixed per installation: set it, or it is taken from PublicBaseUrl's host, or "eventportal".
    /// </summary>
    public string? UidDomain { get; set; }

    public static IEnumerable<string> Validate(CalendarOptions o)
    {
        if (o.AlarmMinutesBefore is < 0 or > 10080) yield return "EventPortal:Calendar:AlarmMinutesBefore must be between 0 and 10080.";
        if (o.JoinGraceMinutes is < 0 or > 1440) yield return "EventPortal:Calendar:JoinGraceMinutes must be between 0 and 1440.";
        if (o.UidDomain is { Length: > 0 } d && Uri.CheckHostName(d) == UriHostNameType.Unknown)
            yield return $"EventPortal:Calendar:UidDomain must be a host name, not '{d}'.";
    }
}
