namespace EventPortal.Web.Registrations;

/// <summary>
/// The states a registration can be in, and the only place their spelling is written. SQL
/// constants interpolate these (<c>$"""… status = '{RegistrationStatus.Confirmed}' …"""</c>),
/// so a search for a state finds every use. Only <see cref="Seats"/> moves a registration
/// from one to another.
/// </summary>
public static class RegistrationStatus
{
    /// <summary>Holds a seat (or an unlimited ticket): gets the invite, reminders and links.</summary>
    public const string Confirmed = "confirmed";
    /// <summary>In line for a seat of a full ticket; promoted oldest first when one frees up.</summary>
    public const string Waitlisted = "waitlisted";
    /// <summary>Final: by the registrant, by an organiser, or when the personal data was erased.</summary>
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [Confirmed, Waitlisted, Cancelled];
}
