namespace EventPortal.Web.Registrations;

/// <summary>
/// Settings under <c>EventPortal:Registration</c>: address confirmation (double opt-in) and what
/// keeps one client from draining an event's seats with made-up addresses.
/// </summary>
public sealed class RegistrationOptions
{
    public const string Section = "EventPortal:Registration";

    /// <summary>How long a seat is held for someone who has not yet used the mailed link.</summary>
    public double HoldMinutes { get; set; } = 30;
    /// <summary>Pending holds one client network (an IPv4 address, an IPv6 /64) may have per event; confirmed ones do not count.</summary>
    public int HoldsPerNetwork { get; set; } = 5;
    /// <summary>
    /// The least time between loading the registration form and sending it; scripts that post at
    /// once are asked to send again. People take far longer to fill in a name and an address.
    /// </summary>
    public double MinFillSeconds { get; set; } = 3;
    /// <summary>How often each instance looks for holds that ran out.</summary>
    public double SweepSeconds { get; set; } = 15;

    public TimeSpan Hold => TimeSpan.FromMinutes(HoldMinutes);

    public static IEnumerable<string> Validate(RegistrationOptions o)
    {
        if (o.HoldMinutes is <= 0 or > 7 * 24 * 60) yield return $"{Section}:HoldMinutes must be more than 0 and at most 10080 (a week).";
        if (o.HoldsPerNetwork is < 1 or > 10_000) yield return $"{Section}:HoldsPerNetwork must be between 1 and 10000.";
        if (o.MinFillSeconds is < 0 or > 600) yield return $"{Section}:MinFillSeconds must be between 0 and 600.";
        if (o.SweepSeconds is <= 0 or > 3600) yield return $"{Section}:SweepSeconds must be more than 0 and at most 3600.";
    }
}
