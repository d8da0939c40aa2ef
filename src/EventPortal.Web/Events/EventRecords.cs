using System.Text.Json;

namespace EventPortal.Web.Events;

// The public's model of an event: what the event page, the home page, the events API, the
// registration rules, mail and calendars read (EventQueries), with no secret in it. Organisers
// edit and read an EventSpec instead.

/// <summary>A row of <c>events</c>, without the secrets (meeting and recording URLs).</summary>
public sealed class EventRecord
{
    public long Id { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string Summary { get; init; } = "";
    public string Description { get; init; } = "";
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string TimeZone { get; init; } = "Asia/Tokyo";
    public int DoorsOpenMinutes { get; init; }
    public string Language { get; init; } = "ja";
    public string Status { get; init; } = EventStatus.Draft;
    public string Venue { get; init; } = "";
    public string OrganiserName { get; init; } = "";
    public string OrganiserEmail { get; init; } = "";
    public string Contact { get; init; } = "";
    public IReadOnlyList<ProgrammeItem> Programme { get; init; } = [];
    public IReadOnlyList<Speaker> Speakers { get; init; } = [];
    public string ConsentPurpose { get; init; } = "";
    public int Sequence { get; init; }
    /// <summary>Counts the changes of what reminders are planned from (<see cref="Reminders.ReminderPlan"/>).</summary>
    public int PlanVersion { get; init; }
    /// <summary>When the personal join link starts to work, if earlier than doors-open.</summary>
    public DateTime? JoinOpensAt { get; init; }
    /// <summary>Manual, Teams or Zoom (the meeting URL itself is a secret and is not read here).</summary>
    public string MeetingProvider { get; init; } = "Manual";
    /// <summary>Whether a recording is set (its URL is a secret), and until when it may be watched.</summary>
    public bool HasRecording { get; init; }
    public DateTime? RecordingAvailableUntil { get; init; }
    /// <summary>The start it had before it was first moved after publishing; null when never moved.</summary>
    public DateTime? PreviousStartsAt { get; init; }
    /// <summary>The organiser's own preview image (<see cref="PreviewImages"/>); null: the generated card.</summary>
    public string? ImageType { get; init; }
    public int? ImageWidth { get; init; }
    public int? ImageHeight { get; init; }
    /// <summary>A hash of the image's bytes, in its address: a new image gets a new address, so caches may keep each.</summary>
    public string? ImageVersion { get; init; }
}

public sealed record ProgrammeItem(string Title, string? Time = null, string? Detail = null);

/// <summary>A speaker as the public sees them: the stored JSON's <c>email</c> is not read into it, so no page, API answer
/// or JSON-LD built from an <see cref="EventRecord"/> can show it.</summary>
public sealed record Speaker(string Name, string Affiliation, string? Role = null, string? Bio = null);

/// <summary>
/// A speaker as organisers edit them (<see cref="EventSpec.Speakers"/>): with an optional address, used only to make
/// the speaker a panelist of the event's Zoom webinar; never shown publicly (the public model is <see cref="Speaker"/>).
/// </summary>
public sealed record SpeakerSpec(string Name, string Affiliation, string? Role = null, string? Bio = null, string? Email = null);

public sealed class TicketTypeRecord
{
    public long Id { get; init; }
    public long EventId { get; init; }
    public string Code { get; init; } = "";
    /// <summary>'live' (may join the meeting) or 'recording' (gets the recording only).</summary>
    public string Kind { get; init; } = "live";
    public bool IsLive => Kind == "live";
    public string NameJa { get; init; } = "";
    public string NameEn { get; init; } = "";
    public int? Capacity { get; init; }
    /// <summary>
    /// Seats taken (confirmed and pending registrations). A copy read without counting them (the registration API's,
    /// EventQueries.FindForRegistrationAsync) has none, and reading it there throws instead of saying every seat is free.
    /// </summary>
    public int Taken
    {
        get => _taken ?? throw new InvalidOperationException($"The seats taken of ticket {Id} were not counted in this copy.");
        init => _taken = value;
    }
    int? _taken;
    public bool Waitlist { get; init; }
    /// <summary>Double opt-in: a seat is held as pending until the registrant uses the link mailed to the address.</summary>
    public bool ConfirmAddress { get; init; }
    public DateTime? SalesStart { get; init; }
    public DateTime? SalesEnd { get; init; }

    public int? SeatsLeft => Capacity is { } c ? Math.Max(0, c - Taken) : null;
    public string Name(string language) => language == "en" && NameEn.Length > 0 ? NameEn : NameJa;

    /// <summary>Sales are open from SalesStart (or always) until SalesEnd (or the end of the event).</summary>
    public bool IsOnSale(DateTime now, EventRecord e) =>
        e.Status == EventStatus.Published && (SalesStart is null || now >= SalesStart) && now < (SalesEnd ?? DefaultSalesEnd(e));

    /// <summary>Its holders may still correct their own details: for as long as it is sold (<see cref="IsOnSale"/>'s end).</summary>
    public bool IsCorrectable(DateTime now, EventRecord e) => e.Status == EventStatus.Published && now < (SalesEnd ?? DefaultSalesEnd(e));

    /// <summary>Live tickets sell until the event ends; recording tickets as long as the recording may be watched.</summary>
    DateTime DefaultSalesEnd(EventRecord e) =>
        Kind == "recording" && e.HasRecording ? e.RecordingAvailableUntil ?? DateTime.MaxValue : e.EndsAt;
}

public sealed class CategoryRecord
{
    public string Code { get; init; } = "";
    public string NameJa { get; init; } = "";
    public string NameEn { get; init; } = "";
    public string Name(string language) => language == "en" && NameEn.Length > 0 ? NameEn : NameJa;
}

public sealed record EventDetails(EventRecord Event, IReadOnlyList<TicketTypeRecord> Tickets, IReadOnlyList<CategoryRecord> Categories)
{
    /// <summary>The organiser's custom questions, in form order.</summary>
    public IReadOnlyList<QuestionRecord> Questions { get; init; } = [];
    /// <summary>What a new registration's reminders are planned from, as read with the rest.</summary>
    public Reminders.ReminderPlan? Plan { get; init; }
}

public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Answers as stored: Japanese as UTF-8, not \u escapes, so the column reads as written.</summary>
    public static readonly JsonSerializerOptions Stored = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };
}
