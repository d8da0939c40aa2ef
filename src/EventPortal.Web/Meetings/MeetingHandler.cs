using System.Collections.Concurrent;
using Azure.Core;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Meetings;

/// <summary>
/// Works the <c>meeting.*</c> outbox rows: makes, changes and removes the event's meeting at its
/// provider, then records the answer (join URL, the provider's id, state) in one short
/// transaction. Each row reads the event as it is now, so rows may run late or twice.
/// <para>
/// Crash safety (a crash after the provider's answer and before our commit): Teams'
/// <c>createOrGet</c> is idempotent by our <c>externalId</c>, and a calendar event by its
/// <c>transactionId</c>, so the retry gets the same meeting back. Zoom has no such key: each
/// meeting carries our key in its agenda, and a create first looks for a scheduled meeting of the
/// host with that key. Rows of one event run one at a time on an instance, and a Zoom create is
/// claimed in the database first (<c>meeting_state = 'creating'</c>), so a second instance waits
/// instead of creating a second meeting; a claim left by a crashed instance lapses after
/// <see cref="CreateClaimLapse"/>.
/// </para>
/// Join URLs, start URLs, passcodes and tokens are never logged or put in an error message.
/// </summary>
public sealed class MeetingHandler(Db db, IServiceProvider services, IOptions<MeetingOptions> options, TimeProvider clock,
    ILogger<MeetingHandler> logger) : IOutboxHandler
{
    public const string TeamsHttpClientName = "EventPortal.Meetings.Teams";
    public const string TeamsCredentialKey = "EventPortal.Meetings.Teams";
    static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);
    /// <summary>Longer than a Zoom call can take (the HTTP timeout is 60 s), so only a dead instance's claim lapses.</summary>
    public static readonly TimeSpan CreateClaimLapse = TimeSpan.FromMinutes(3);

    readonly ConcurrentDictionary<long, SemaphoreSlim> _eventGates = new();
    /// <summary>This app instance, as the owner of a Zoom create claim.</summary>
    readonly string _instance = Guid.NewGuid().ToString("N");
    GraphClient? _graph;

    public string KindPrefix => MeetingSync.KindPrefix;

    public sealed class EventRow
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
        public string? MeetingState { get; init; }
        public DateTime? MeetingSyncedAt { get; init; }
        /// <summary>Our id for the meeting at the provider (Teams' externalId or transactionId; in a Zoom meeting's agenda).</summary>
        public string ExternalKey => $"eventportal-event-{Id}";
        public string LocalTime(DateTime utc) => EventTime.Local(utc, TimeZone).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        if (row.EventId is not { } eventId) throw new OutboxException($"Outbox row {row.Id} ({row.Kind}) has no event.", permanent: true);
        var action = row.Kind[KindPrefix.Length..];
        var gate = _eventGates.GetOrAdd(eventId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var ev = await LoadAsync(eventId, ct);
            if (ev is null || !Enum.TryParse<MeetingProvider>(ev.MeetingProvider, out var provider) || provider == MeetingProvider.Manual)
                return OutboxResult.Skipped;
            if (action != MeetingSync.Delete && ev.Status == "cancelled") return OutboxResult.Skipped;
            try
            {
                return provider == MeetingProvider.Teams
                    ? await TeamsAsync(ev, action, ct)
                    : await ZoomAsync(ev, action, row, ct);
            }
            catch (GraphException e) { throw await FailAsync(ev, e.Status, $"Teams: {e.Code ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {e.GraphMessage}", e.RetryAfter, e, ct); }
            catch (ZoomException e) { throw await FailAsync(ev, e.Status, $"Zoom: {e.Code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {e.ZoomMessage}", null, e, ct); }
            catch (HttpRequestException e) { throw await FailAsync(ev, 503, $"{provider} unreachable: {e.Message}", null, e, ct); }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested) { throw await FailAsync(ev, 504, $"{provider} did not answer in time.", null, e, ct); }
        }
        finally
        {
            gate.Release();
        }
    }

    // ---- Teams ----------------------------------------------------------------------------

    async Task<OutboxResult> TeamsAsync(EventRow ev, string action, CancellationToken ct)
    {
        var teams = options.Value.Teams;
        if (!teams.Configured) throw await FailAsync(ev, 400, "Teams is not configured (EventPortal:Meetings:Teams).", null, null, ct);
        var graph = Graph();
        var user = teams.OrganizerUserId!;
        if (teams.Mode == TeamsMode.CalendarEvent) return await TeamsCalendarAsync(graph, user, ev, action, ct);
        var request = new OnlineMeetingRequest(ev.Title, new DateTimeOffset(ev.StartsAt, TimeSpan.Zero), new DateTimeOffset(ev.EndsAt, TimeSpan.Zero),
            ev.ExternalKey, string.IsNullOrWhiteSpace(teams.LobbyBypass) ? null : new LobbyBypassSettings(teams.LobbyBypass));
        switch (action)
        {
            case MeetingSync.Create:
            case MeetingSync.Update:
                var meeting = ev.MeetingExternalId is null || action == MeetingSync.Create
                    ? await graph.CreateOrGetOnlineMeetingAsync(user, request, ct)
                    : null;
                var id = meeting?.Id ?? ev.MeetingExternalId!;
                if (action == MeetingSync.Update) meeting = await graph.UpdateOnlineMeetingAsync(user, id, request, ct);
                await SaveAsync(ev.Id, "ready", id, meeting?.JoinWebUrl, ct);
                return OutboxResult.Done;
            case MeetingSync.Delete:
                var existing = ev.MeetingExternalId;
                // A create may have reached Teams and crashed before we stored its id: createOrGet
                // finds it by our key (or makes one), so nothing is left behind.
                if (existing is null && ev.MeetingState == "pending") existing = (await graph.CreateOrGetOnlineMeetingAsync(user, request, ct)).Id;
                if (existing is null) return OutboxResult.Skipped;
                await graph.DeleteOnlineMeetingAsync(user, existing, ct);
                await SaveDeletedAsync(ev.Id, existing, ct);
                return OutboxResult.Done;
            default:
                throw new OutboxException($"Teams has no meeting action '{action}'.", permanent: true);
        }
    }

    /// <summary>A Teams meeting inside a calendar event of the organiser (Graph <c>/users/{id}/events</c>).</summary>
    async Task<OutboxResult> TeamsCalendarAsync(GraphClient graph, string user, EventRow ev, string action, CancellationToken ct)
    {
        var eventUrl = $"{services.GetRequiredService<Links>().Background()}/events/{Uri.EscapeDataString(ev.Slug)}";
        var request = new GraphEventRequest(ev.Title, new GraphItemBody("text", $"{ev.Title}\n{eventUrl}"),
            new GraphDateTime(ev.LocalTime(ev.StartsAt), ev.TimeZone), new GraphDateTime(ev.LocalTime(ev.EndsAt), ev.TimeZone), ev.ExternalKey);
        switch (action)
        {
            case MeetingSync.Create:
            case MeetingSync.Update:
                GraphEvent made;
                if (ev.MeetingExternalId is { } existing) made = await graph.UpdateEventAsync(user, existing, request, ct);
                else made = await graph.CreateEventAsync(user, request, ct);  // transactionId: a retry gets the same event
                await SaveAsync(ev.Id, "ready", made.Id, made.OnlineMeeting?.JoinUrl, ct);
                return OutboxResult.Done;
            case MeetingSync.Delete:
                var doomed = ev.MeetingExternalId;
                if (doomed is null && ev.MeetingState == "pending") doomed = (await graph.CreateEventAsync(user, request, ct)).Id;
                if (doomed is null) return OutboxResult.Skipped;
                await graph.DeleteEventAsync(user, doomed, ct);
                await SaveDeletedAsync(ev.Id, doomed, ct);
                return OutboxResult.Done;
            default:
                throw new OutboxException($"Teams has no meeting action '{action}'.", permanent: true);
        }
    }

    GraphClient Graph() => _graph ??= new GraphClient(services.GetRequiredService<IHttpClientFactory>(),
        services.GetRequiredKeyedService<TokenCredential>(TeamsCredentialKey)) { ClientName = TeamsHttpClientName };

    // ---- Zoom -----------------------------------------------------------------------------

    async Task<OutboxResult> ZoomAsync(EventRow ev, string action, OutboxRow row, CancellationToken ct)
    {
        var zoomSettings = options.Value.Zoom;
        if (!zoomSettings.Configured) throw await FailAsync(ev, 400, "Zoom is not configured (EventPortal:Meetings:Zoom).", null, null, ct);
        var zoom = services.GetRequiredService<ZoomClient>();
        long? id = long.TryParse(ev.MeetingExternalId, out var parsed) ? parsed : null;
        switch (action)
        {
            case MeetingSync.Create:
            case MeetingSync.Update:
                var request = ZoomRequest(ev, zoomSettings.RegistrantLinks);
                if (id is { } existing)
                {
                    await zoom.UpdateMeetingAsync(existing, request, ct);
                    await SaveAsync(ev.Id, "ready", ev.MeetingExternalId!, null, ct);
                    return OutboxResult.Done;
                }
                // One instance at a time makes an event's Zoom meeting.
                if (!await ClaimCreateAsync(ev.Id, ct))
                    throw new OutboxException("Another instance is making this event's Zoom meeting; trying again shortly.", permanent: false)
                    { RetryAfter = TimeSpan.FromSeconds(10) };
                // The claim must not lapse while we work: give up well before, and the retry finds what we made.
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    deadline.CancelAfter(CreateClaimLapse - TimeSpan.FromSeconds(30));
                    // No idempotency key at Zoom: an earlier attempt may have made the meeting and
                    // crashed before recording it. Our key in the agenda finds it.
                    var made = await zoom.FindMeetingAsync(AgendaKey(ev), deadline.Token);
                    if (made is not null) await zoom.UpdateMeetingAsync(made.Id, request, deadline.Token);
                    else made = await zoom.CreateMeetingAsync(request, deadline.Token);
                    if (!await SaveAsync(ev.Id, "ready", made.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), made.JoinUrl, ct,
                            queueRegistrants: zoomSettings.RegistrantLinks, claim: _instance))
                        logger.LogWarning("Zoom meeting for event {EventId} made after this instance's claim lapsed; the claim's holder adopts it by its agenda key", ev.Id);
                }
                return OutboxResult.Done;
            case MeetingSync.Delete:
                if (id is null && ev.MeetingState is "pending" or "creating" && await zoom.FindMeetingAsync(AgendaKey(ev), ct) is { } lost) id = lost.Id;
                // Another instance is making the meeting right now: delete it once it exists.
                if (id is null && ev.MeetingState == "creating" && ev.MeetingSyncedAt >= clock.GetUtcNow().UtcDateTime - CreateClaimLapse)
                    throw new OutboxException("The meeting is still being made; deleting it once it exists.", permanent: false) { RetryAfter = TimeSpan.FromSeconds(10) };
                if (id is not { } doomed) return OutboxResult.Skipped;
                await zoom.DeleteMeetingAsync(doomed, ct);
                await SaveDeletedAsync(ev.Id, doomed.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
                return OutboxResult.Done;
            case MeetingSync.Registrant:
                return await ZoomRegistrantAsync(zoom, ev, id, row, ct);
            case MeetingSync.Unregister:
                return await ZoomUnregisterAsync(zoom, ev, id, row, ct);
            default:
                throw new OutboxException($"Zoom has no meeting action '{action}'.", permanent: true);
        }
    }

    /// <summary>
    /// A scheduled meeting (type 2) in the event's own time zone. With registrant links the
    /// meeting needs registration and manual approval, and we add each registrant with
    /// auto_approve: a leaked registration page then cannot let strangers approve themselves.
    /// </summary>
    ZoomMeetingRequest ZoomRequest(EventRow ev, bool registrantLinks) => new(
        ev.Title.Length > 200 ? ev.Title[..200] : ev.Title,
        Type: 2,
        StartTime: ev.LocalTime(ev.StartsAt),
        Timezone: ev.TimeZone,
        Duration: Math.Max(1, (int)Math.Ceiling((ev.EndsAt - ev.StartsAt).TotalMinutes)),
        Agenda: AgendaKey(ev),
        Settings: registrantLinks
            ? new ZoomMeetingSettings(ApprovalType: 1, RegistrationType: 1, JoinBeforeHost: false, JbhTime: null)
            : new ZoomMeetingSettings(ApprovalType: 2, RegistrationType: null, JoinBeforeHost: false, JbhTime: null));

    /// <summary>
    /// Our key, in brackets, as the agenda of the Zoom meeting (the host sees it; attendees see
    /// the event page instead). It names this installation too, so a staging and a production
    /// portal sharing one Zoom user never take each other's meetings.
    /// </summary>
    string AgendaKey(EventRow ev) => $"[eventportal-{services.GetRequiredService<Registrations.Tokens>().Installation}-event-{ev.Id}]";

    async Task<OutboxResult> ZoomRegistrantAsync(ZoomClient zoom, EventRow ev, long? meetingId, OutboxRow row, CancellationToken ct)
    {
        if (!options.Value.Zoom.RegistrantLinks || row.RegistrationId is not { } registrationId) return OutboxResult.Skipped;
        // The meeting is not made yet: its creation queues every confirmed registrant again.
        if (meetingId is not { } id) return OutboxResult.Skipped;
        await using var connection = await db.OpenAsync(ct);
        var person = await connection.QuerySingleOrDefaultAsync<(string Email, string GivenName, string FamilyName, string Status, string Kind, string? ProviderJoinUrl)>(
            new CommandDefinition("""
                SELECT r.email, r.given_name, r.family_name, r.status, t.kind, r.provider_join_url
                FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE r.id = @registrationId
                """, new { registrationId }, cancellationToken: ct));
        if (person.Email is null || person.Status != "confirmed" || person.Kind != "live" || person.ProviderJoinUrl is not null) return OutboxResult.Skipped;
        var registrant = await zoom.AddRegistrantAsync(id, new ZoomRegistrantRequest(person.Email, person.GivenName, person.FamilyName), ct);
        // Still entitled? A cancel or switch that committed meanwhile found no registrant to withdraw.
        var kept = await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition("""
            UPDATE registrations SET provider_join_url = @JoinUrl, provider_registrant_id = @RegistrantId
            WHERE id = @registrationId AND status = 'confirmed' AND provider_registrant_id IS NULL
              AND ticket_type_id IN (SELECT id FROM ticket_types WHERE kind = 'live')
            """, new { registrant.JoinUrl, registrant.RegistrantId, registrationId }, tx)), CancellationToken.None) == 1;
        if (!kept && registrant.RegistrantId is { } lateId)
            await zoom.CancelRegistrantAsync(id, lateId, person.Email, CancellationToken.None);
        return OutboxResult.Done;
    }

    /// <summary>
    /// A registrant who cancelled or moved to the recording ticket is cancelled at Zoom too, so
    /// their own join link stops working; skipped when they are entitled again by the time this runs.
    /// </summary>
    async Task<OutboxResult> ZoomUnregisterAsync(ZoomClient zoom, EventRow ev, long? meetingId, OutboxRow row, CancellationToken ct)
    {
        if (row.RegistrationId is not { } registrationId || meetingId is not { } id || ev.MeetingState == "deleted") return OutboxResult.Skipped;
        await using var connection = await db.OpenAsync(ct);
        var person = await connection.QuerySingleOrDefaultAsync<(string Email, string Status, string Kind, string? RegistrantId)>(new CommandDefinition("""
            SELECT r.email, r.status, t.kind, r.provider_registrant_id
            FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE r.id = @registrationId
            """, new { registrationId }, cancellationToken: ct));
        if (person.RegistrantId is not { } registrantId || (person.Status == "confirmed" && person.Kind == "live")) return OutboxResult.Skipped;
        // An erased registration has no address left; the registrant id alone names them.
        var email = person.Email is { } e && !Admin.RegistrationActions.IsErased(e) ? e : null;
        await zoom.CancelRegistrantAsync(id, registrantId, email, ct);
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition("""
            UPDATE registrations SET provider_join_url = NULL, provider_registrant_id = NULL
            WHERE id = @registrationId AND provider_registrant_id = @registrantId
            """, new { registrationId, registrantId }, tx)), CancellationToken.None);
        return OutboxResult.Done;
    }

    // ---- the database ---------------------------------------------------------------------

    async Task<EventRow?> LoadAsync(long eventId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition("""
            SELECT id, slug, title, status, starts_at, ends_at, time_zone, meeting_provider, meeting_external_id, meeting_state, meeting_synced_at
            FROM events WHERE id = @eventId
            """, new { eventId }, cancellationToken: ct));
    }

    /// <summary>Marks the event's meeting as being made by this instance, unless another holds a fresh claim.</summary>
    Task<bool> ClaimCreateAsync(long eventId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync(async (c, tx) => await c.ExecuteAsync(new CommandDefinition("""
            UPDATE events SET meeting_state = 'creating', meeting_claim = @instance, meeting_synced_at = @now
            WHERE id = @eventId AND meeting_external_id IS NULL
              AND (meeting_state IS NULL OR meeting_state <> 'creating' OR meeting_claim IS NULL OR meeting_claim = @instance
                   OR meeting_synced_at IS NULL OR meeting_synced_at < @lapsed)
            """, new { eventId, now, lapsed = now - CreateClaimLapse, instance = _instance }, tx, cancellationToken: ct)) == 1, ct);
    }

    /// <summary>
    /// The provider's answer, recorded at once; a null URL keeps the one we have. With
    /// <paramref name="claim"/>, only while that create claim is still held (false otherwise).
    /// </summary>
    Task<bool> SaveAsync(long eventId, string state, string externalId, string? joinUrl, CancellationToken ct, bool queueRegistrants = false, string? claim = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Not the dispatcher's token: the provider has acted, so the record must be written even while shutting down.
        return db.WriteAsync(async (c, tx) =>
        {
            var saved = await c.ExecuteAsync(new CommandDefinition($"""
                UPDATE events SET meeting_external_id = @externalId, meeting_url = COALESCE(@joinUrl, meeting_url),
                    meeting_state = @state, meeting_error = NULL, meeting_synced_at = @now, meeting_claim = NULL
                WHERE id = @eventId{(claim is null ? "" : " AND meeting_claim = @claim")}
                """, new { eventId, state, externalId, joinUrl, now, claim }, tx)) == 1;
            if (!saved || !queueRegistrants) return saved;
            var confirmed = await c.QueryAsync<long>(new CommandDefinition("""
                SELECT r.id FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
                WHERE r.event_id = @eventId AND r.status = 'confirmed' AND t.kind = 'live' AND r.provider_join_url IS NULL
                """, new { eventId }, tx));
            foreach (var registrationId in confirmed) await MeetingSync.QueueRegistrantAsync(c, tx, eventId, registrationId, now, CancellationToken.None);
            return true;
        }, CancellationToken.None);
    }

    Task SaveDeletedAsync(long eventId, string externalId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition("""
            UPDATE events SET meeting_state = 'deleted', meeting_external_id = @externalId, meeting_url = NULL, meeting_error = NULL,
                meeting_synced_at = @now, meeting_claim = NULL
            WHERE id = @eventId AND (meeting_external_id = @externalId OR meeting_external_id IS NULL)
            """, new { eventId, externalId, now }, tx)), CancellationToken.None);
    }

    /// <summary>
    /// Keeps the provider's code and message for the console (state 'failed' when retrying cannot
    /// help) and turns the error into the outbox's: 429, 408 and 5xx are retried (after
    /// Retry-After when Graph sends one; Zoom sends none, so the outbox's back-off applies);
    /// 401 is retried too (a credential an operator can fix); any other 4xx stops.
    /// </summary>
    async Task<OutboxException> FailAsync(EventRow ev, int status, string message, TimeSpan? retryAfter, Exception? inner, CancellationToken ct)
    {
        var transient = status is 401 or 408 or 429 or >= 500;
        message = message.Length > 1000 ? message[..1000] : message;
        logger.LogWarning("Meeting for event {EventId} ({Provider}): {Error}", ev.Id, ev.MeetingProvider, message);
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE events SET meeting_error = @message,
                meeting_state = CASE WHEN @failed THEN 'failed' WHEN meeting_state = 'creating' AND meeting_claim = @instance THEN 'pending' ELSE meeting_state END,
                meeting_claim = CASE WHEN meeting_claim = @instance THEN NULL ELSE meeting_claim END
            WHERE id = @Id
            """,
            new { message, failed = !transient, ev.Id, instance = _instance }, tx)), CancellationToken.None);
        return new OutboxException(message, permanent: !transient, inner)
        {
            RetryAfter = transient && retryAfter is { } wait ? (wait > MaxRetryAfter ? MaxRetryAfter : wait) : null,
        };
    }
}
