using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>
/// One way of making an event's meeting (Teams online meeting, Teams calendar event, Zoom). Each
/// call reads nothing but <paramref name="ev"/> as it is now, acts at the provider, and records the
/// answer; a call may run late or twice, and must then leave one meeting that matches the event.
/// A provider's error is thrown as it comes (<see cref="MeetingFailure.From"/> maps it).
/// </summary>
public interface IMeetingProvider
{
    /// <summary>Makes the meeting (or finds the one an interrupted attempt made) and records it.</summary>
    Task<OutboxResult> CreateAsync(MeetingEvent ev, CancellationToken ct);

    /// <summary>Brings the meeting's title and times in line with the event (making it if it is missing).</summary>
    Task<OutboxResult> UpdateAsync(MeetingEvent ev, CancellationToken ct);

    /// <summary>Removes the meeting, including one a create made but could not record; skipped when there is none.</summary>
    Task<OutboxResult> DeleteAsync(MeetingEvent ev, CancellationToken ct);
}
