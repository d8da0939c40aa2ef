namespace EventPortal.Calendar;

/// <summary>The iTIP method (RFC 5546) written on the VCALENDAR.</summary>
public enum CalendarMethod
{
    /// <summary>A plain entry to import (public <c>event.ics</c>); no attendees.</summary>
    Publish,
    /// <summary>An invite or an update of one (same UID, higher SEQUENCE).</summary>
    Request,
    /// <summary>Removes the event from the attendees' calendars.</summary>
    Cancel,
}

/// <summary>An organiser or attendee: a mail address and an optional display name.</summary>
public sealed record CalendarPerson(string Email, string? Name = null);

/// <summary>One event as it is written into a calendar file or invite.</summary>
public sealed record CalendarEvent
{
    /// <summary>Stable for the life of the event and registration, e.g. <c>event-12-reg-345@example.jp</c>.</summary>
    public required string Uid { get; init; }

    /// <summary>Incremented on every update or cancellation sent for the same UID.</summary>
    public required int Sequence { get; init; }

    /// <summary>Start instant; Kind Utc, or Unspecified (read as UTC).</summary>
    public required DateTime StartUtc { get; init; }

    /// <summary>End instant; Kind Utc, or Unspecified (read as UTC). Must be after <see cref="StartUtc"/>.</summary>
    public required DateTime EndUtc { get; init; }

    /// <summary>IANA zone id, e.g. <c>Asia/Tokyo</c>; start and end are shown in this zone's wall time.</summary>
    public required string TimeZoneId { get; init; }

    /// <summary>When this copy of the event was created (DTSTAMP).</summary>
    public required DateTime StampUtc { get; init; }

    public required string Summary { get; init; }

    /// <summary>Multi-line text; any newline convention.</summary>
    public string? Description { get; init; }

    public string? Location { get; init; }

    /// <summary>Absolute URL of the event page.</summary>
    public string? Url { get; init; }

    public required CalendarPerson Organizer { get; init; }

    /// <summary>Written for REQUEST and CANCEL only.</summary>
    public IReadOnlyList<CalendarPerson> Attendees { get; init; } = [];

    /// <summary>STATUS:CANCELLED instead of CONFIRMED (always cancelled for METHOD:CANCEL).</summary>
    public bool Cancelled { get; init; }

    /// <summary>Display alarm this many minutes before the start; null for none.</summary>
    public int? AlarmMinutesBefore { get; init; } = 15;
}
