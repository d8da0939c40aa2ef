namespace EventPortal.Web.Meetings;

/// <summary>
/// The states of an event's online meeting (<c>events.meeting_state</c>; NULL: never asked for one),
/// and the only place their spelling is written. SQL constants interpolate these, as they do
/// <see cref="Registrations.RegistrationStatus"/>.
/// </summary>
public static class MeetingState
{
    /// <summary>Owed: an outbox row will make (or look up) the meeting.</summary>
    public const string Pending = "pending";
    /// <summary>One app instance holds the create claim and is calling the provider (see <see cref="MeetingClaim"/>).</summary>
    public const string Creating = "creating";
    /// <summary>The provider has the meeting; <c>meeting_url</c> is its join link.</summary>
    public const string Ready = "ready";
    /// <summary>The provider refused in a way retrying cannot fix; <c>meeting_error</c> says why.</summary>
    public const string Failed = "failed";
    /// <summary>Withdrawn at the provider (event cancelled, or the provider changed).</summary>
    public const string Deleted = "deleted";
}
