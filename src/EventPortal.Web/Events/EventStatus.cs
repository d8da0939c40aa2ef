namespace EventPortal.Web.Events;

/// <summary>The states of an event: a draft is seen only by organisers; a cancelled event is final.</summary>
public static class EventStatus
{
    public const string Draft = "draft";
    public const string Published = "published";
    public const string Cancelled = "cancelled";
}

/// <summary>What a ticket gives: a seat in the live meeting, or the recording afterwards.</summary>
public static class TicketKind
{
    public const string Live = "live";
    public const string Recording = "recording";
}
