using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Meetings;

/// <summary>An event as its meeting's outbox row finds it when the row runs.</summary>
public sealed class MeetingEvent
{
    public long Id { get; init; }
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string TimeZone { get; init; } = "";
    public string MeetingProvider { get; init; } = "";
    public string? MeetingExternalId { get; init; }
    /// <summary>The join link the organiser entered, or the one the provider gave (a linked Teams webinar's link or id).</summary>
    public string? MeetingUrl { get; init; }
    public string Language { get; init; } = "ja";
    public string? MeetingState { get; init; }
    public DateTime? MeetingSyncedAt { get; init; }
    /// <summary>The organisers' speakers (with their addresses): a Zoom webinar's panelists.</summary>
    public IReadOnlyList<SpeakerSpec> Speakers { get; init; } = [];
    /// <summary>JSON list of the addresses the portal made panelists of the Zoom webinar (<see cref="ZoomPanelists"/>).</summary>
    public string? MeetingPanelists { get; init; }

    /// <summary>Our id for the meeting at the provider (Teams' externalId or transactionId; in a Zoom meeting's agenda).</summary>
    public string ExternalKey => $"eventportal-event-{Id}";

    /// <summary>Zoom's meeting id is a number; null until the meeting is made.</summary>
    public long? ZoomMeetingId =>
        long.TryParse(MeetingExternalId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>Wall-clock time in the event's zone, as Graph's dateTimeTimeZone and Zoom's start_time take it.</summary>
    public string LocalTime(DateTime utc) => EventTime.Local(utc, TimeZone).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads the event for a meeting row and records the provider's answer on it (join URL, the
/// provider's id, <c>meeting_state</c>) in one short transaction. The writes take no cancellation
/// token: once the provider has acted, the record must be written even while shutting down.
/// </summary>
public sealed class MeetingRecord(Db db, TimeProvider clock)
{
    const string Load = """
        SELECT id, slug, title, status, starts_at, ends_at, time_zone, meeting_provider, meeting_external_id, meeting_state,
               meeting_synced_at, meeting_url, language, speakers, meeting_panelists
        FROM events WHERE id = @eventId
        """;

    public async Task<MeetingEvent?> LoadAsync(long eventId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<MeetingEvent>(
            new CommandDefinition(Load, new { eventId }, cancellationToken: ct));
    }

    const string Ready = $"""
        UPDATE events SET meeting_external_id = @externalId, meeting_url = COALESCE(@joinUrl, meeting_url),
            meeting_state = '{MeetingState.Ready}', meeting_error = NULL, meeting_synced_at = @now, meeting_claim = NULL
        WHERE id = @eventId
        """;

    const string ReadyWhileClaimed = Ready + " AND meeting_claim = @claim";

    const string ConfirmedWithoutLink = $"""
        SELECT r.id FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
        WHERE r.event_id = @eventId AND r.status = '{RegistrationStatus.Confirmed}' AND t.kind = 'live' AND r.provider_join_url IS NULL
          AND r.email <> ''
        """;

    /// <summary>
    /// The meeting exists at the provider: its id, and its join URL (null keeps the one we have).
    /// With <paramref name="claim"/>, only while that create claim is still held (false otherwise).
    /// With <paramref name="queueRegistrants"/>, every confirmed live registration is queued for its own join link.
    /// </summary>
    public Task<bool> SaveReadyAsync(long eventId, string externalId, string? joinUrl, string? claim = null, bool queueRegistrants = false)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync(async (c, tx) =>
        {
            var saved = await c.ExecuteAsync(new CommandDefinition(claim is null ? Ready : ReadyWhileClaimed,
                new { eventId, externalId, joinUrl, now, claim }, tx)) == 1;
            if (!saved || !queueRegistrants) return saved;
            var confirmed = await c.QueryAsync<long>(new CommandDefinition(ConfirmedWithoutLink, new { eventId }, tx));
            foreach (var registrationId in confirmed)
                await MeetingSync.QueueRegistrantAsync(c, tx, eventId, registrationId, now, CancellationToken.None);
            return true;
        }, CancellationToken.None);
    }

    const string Deleted = $"""
        UPDATE events SET meeting_state = '{MeetingState.Deleted}', meeting_external_id = @externalId,
            meeting_url = NULL, meeting_error = NULL,
            meeting_synced_at = @now, meeting_claim = NULL
        WHERE id = @eventId AND (meeting_external_id = @externalId OR meeting_external_id IS NULL)
        """;

    public Task SaveDeletedAsync(long eventId, string externalId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(Deleted, new { eventId, externalId, now }, tx)),
            CancellationToken.None);
    }
}
