using System.Collections.Concurrent;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Mail;

/// <summary>
/// What a mail needs that depends only on its event: the event with its tickets, the recording, and
/// the model's event fields per language. A rush of 10,000 reminders for one event reads them once,
/// not 10,000 times. Keyed by event id and stamped with the event's SEQUENCE and <c>updated_at</c>,
/// which every change a mail shows (time, place, title, status, tickets, recording) moves, so a
/// mail composed after a change never uses the parts from before it.
/// </summary>
public sealed class EventMailParts(Db db)
{
    const int MaxEvents = 1000;

    public sealed class Parts(EventDetails details, string? recordingUrl, DateTime? recordingUntil)
    {
        public EventDetails Details { get; } = details;
        public string? RecordingUrl { get; } = recordingUrl;
        public DateTime? RecordingUntil { get; } = recordingUntil;
        internal int Sequence { get; init; }
        internal DateTime UpdatedAt { get; init; }
        readonly ConcurrentDictionary<(string, string), IReadOnlyDictionary<string, object?>> _models = new();

        /// <summary>The model's fields that come from the event alone, in one language.</summary>
        public IReadOnlyDictionary<string, object?> Model(string language, string baseUrl) =>
            _models.GetOrAdd((language, baseUrl), key => EventModel(Details.Event, key.Item1, key.Item2));
    }

    readonly ConcurrentDictionary<long, Parts> _cache = new();

    /// <summary>The parts of the registration's event as it stands now; null when the event is gone (or a draft).</summary>
    public async Task<Parts?> ForAsync(PersonalRegistration r, CancellationToken ct)
    {
        if (_cache.TryGetValue(r.EventId, out var cached) && cached.Sequence == r.EventSequence && cached.UpdatedAt == r.EventUpdatedAt)
            return cached;
        var details = await EventQueries.FindAsync(db, r.Slug, ct);
        if (details is null) return null;
        await using var connection = await db.OpenAsync(ct);
        var recording = await connection.QuerySingleOrDefaultAsync<(string? Url, DateTime? Until)>(new CommandDefinition(
            "SELECT recording_url, recording_available_until FROM events WHERE id = @id", new { id = r.EventId }, cancellationToken: ct));
        var parts = new Parts(details, recording.Url, recording.Until is { } u ? DateTime.SpecifyKind(u, DateTimeKind.Utc) : null)
        {
            // The stamp read with the registration: if the event changed since, the next mail reloads.
            Sequence = r.EventSequence,
            UpdatedAt = r.EventUpdatedAt,
        };
        if (_cache.Count >= MaxEvents) _cache.Clear();
        _cache[r.EventId] = parts;
        return parts;
    }

    static Dictionary<string, object?> EventModel(EventRecord e, string language, string baseUrl) => new()
    {
        ["lang"] = language,
        ["siteName"] = Text.Get("site.name", language),
        ["organiserName"] = e.OrganiserName,
        ["organiserContact"] = e.Contact,
        ["organiserEmail"] = e.OrganiserEmail,
        ["eventTitle"] = e.Title,
        ["eventSummary"] = e.Summary,
        ["eventWhen"] = EventTime.Range(e.StartsAt, e.EndsAt, e.TimeZone, language),
        ["doorsOpen"] = e.DoorsOpenMinutes > 0 ? EventTime.DoorsOpen(e.StartsAt, e.DoorsOpenMinutes, e.TimeZone) : null,
        ["venue"] = e.Venue,
        ["eventUrl"] = $"{baseUrl}/events/{Uri.EscapeDataString(e.Slug)}",
    };
}
