namespace EventPortal.Web.Registrations;

/// <summary>
/// The states a registration can be in, and the only place their spelling is written. SQL
/// constants interpolate these (<c>$"""… status = '{RegistrationStatus.Confirmed}' …"""</c>),
/// so a search for a state finds every use. Only <see cref="Seats"/> moves a registration
/// from one to another.
/// </summary>
public static class RegistrationStatus
{
    /// <summary>
    /// Holds a seat until its hold time runs out, waiting for its owner to use the link mailed to the
    /// address (double opt-in): no invite, reminders or links until then. A lapsed hold is released
    /// to the waitlist (<see cref="Holds"/>).
    /// </summary>
    public const string Pending = "pending";
    /// <summary>Holds a seat (or an unlimited ticket): gets the invite, reminders and links.</summary>
    public const string Confirmed = "confirmed";
    /// <summary>
    /// In line for a seat of a full ticket; promoted oldest first when one frees up. On a ticket that
    /// confirms addresses, only once the address is confirmed: an unconfirmed one keeps its place but is passed over.
    /// </summary>
    public const string Waitlisted = "waitlisted";
    /// <summary>Final: by the registrant, by an organiser, or when the personal data was erased.</summary>
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [Pending, Confirmed, Waitlisted, Cancelled];

    /// <summary>The statuses that occupy one of a ticket's seats (a <c>seats</c> row on a capped ticket).</summary>
    public static bool HoldsSeat(string status) => status is Confirmed or Pending;
}
