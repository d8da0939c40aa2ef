using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Shared;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Meetings;

/// <summary>A provider's error as the console shows it: a status, the provider's code and message, and Graph's Retry-After.</summary>
public sealed record MeetingFailure(int Status, string Message, TimeSpan? RetryAfter = null, Exception? Inner = null)
{
    /// <summary>
    /// The provider's answer or silence as a failure; null for anything else (a bug, or the
    /// dispatcher stopping), which the outbox handles as it handles any exception.
    /// </summary>
    public static MeetingFailure? From(Exception e, MeetingProvider provider, CancellationToken ct) => e switch
    {
        GraphException g => new(g.Status, $"Teams: {g.Code ?? Number(g.Status)}: {g.GraphMessage}", g.RetryAfter, g),
        ZoomException z => new(z.Status, $"Zoom: {Number(z.Code ?? z.Status)}: {z.ZoomMessage}", null, z),
        HttpRequestException => new(503, $"{provider} unreachable: {e.Message}", null, e),
        OperationCanceledException when !ct.IsCancellationRequested => new(504, $"{provider} did not answer in time.", null, e),
        _ => null,
    };

    static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Worth trying again: a token to renew, a timeout, a rate limit, the provider's own trouble.</summary>
    public bool Transient => Status is 401 or 408 or 429 or >= 500;

    /// <summary>The outbox's retry (waiting at most <paramref name="maxWait"/> for a Retry-After) or its final failure.</summary>
    public OutboxException ToOutbox(string message, TimeSpan maxWait) => new(message, permanent: !Transient, Inner)
    {
        RetryAfter = Transient && RetryAfter is { } wait ? (wait > maxWait ? maxWait : wait) : null,
    };
}

/// <summary>
/// This instance's hold on an event's meeting work. Zoom has no idempotency key, so a create is
/// claimed in the database first (<c>meeting_state = creating</c>, <c>meeting_claim</c> = this
/// instance): a second instance waits instead of making a second meeting, and a claim left by a
/// crashed instance lapses after <see cref="Lapse"/>. A failed attempt gives the claim up and
/// leaves the provider's error for the console.
/// </summary>
public sealed class MeetingClaim(Db db, TimeProvider clock, ILogger<MeetingClaim> logger)
{
    /// <summary>Longer than a Zoom call can take (the HTTP timeout is 60 s), so only a dead instance's claim lapses.</summary>
    public static readonly TimeSpan Lapse = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    /// <summary>This app instance, as the owner of a create claim.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    const string Claim = $"""
        UPDATE events SET meeting_state = '{MeetingState.Creating}', meeting_claim = @instance, meeting_synced_at = @now
        WHERE id = @eventId AND meeting_external_id IS NULL
          AND (meeting_state IS NULL OR meeting_state <> '{MeetingState.Creating}' OR meeting_claim IS NULL OR meeting_claim = @instance
               OR meeting_synced_at IS NULL OR meeting_synced_at < @lapsed)
        """;

    /// <summary>Marks the event's meeting as being made by this instance, unless another holds a fresh claim.</summary>
    public Task<bool> TryCreateAsync(long eventId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.WriteAsync(async (c, tx) => await c.ExecuteAsync(new CommandDefinition(Claim,
            new { eventId, now, lapsed = now - Lapse, instance = Instance }, tx, cancellationToken: ct)) == 1, ct);
    }

    /// <summary>Some instance claimed the create and has not lapsed: the meeting may appear any moment.</summary>
    public bool BeingMade(MeetingEvent ev) =>
        ev.MeetingState == MeetingState.Creating && ev.MeetingSyncedAt >= clock.GetUtcNow().UtcDateTime - Lapse;

    const string Failed = $"""
        UPDATE events SET meeting_error = @message,
            meeting_state = CASE WHEN @failed THEN '{MeetingState.Failed}'
                                 WHEN meeting_state = '{MeetingState.Creating}' AND meeting_claim = @instance THEN '{MeetingState.Pending}'
                                 ELSE meeting_state END,
            meeting_claim = CASE WHEN meeting_claim = @instance THEN NULL ELSE meeting_claim END
        WHERE id = @Id
        """;

    /// <summary>
    /// Keeps the provider's code and message for the console (state failed when retrying cannot
    /// help) and turns the error into the outbox's: 429, 408 and 5xx are retried (after
    /// Retry-After when Graph sends one; Zoom sends none, so the outbox's back-off applies);
    /// 401 is retried too (a credential an operator can fix); any other 4xx stops.
    /// </summary>
    public async Task<OutboxException> FailAsync(MeetingEvent ev, MeetingFailure failure)
    {
        var message = failure.Message.Length > 1000 ? failure.Message[..1000] : failure.Message;
        logger.LogWarning("Meeting for event {EventId} ({Provider}): {Error}", ev.Id, ev.MeetingProvider, message);
        // Not the dispatcher's token: the error belongs on the record even while shutting down.
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(Failed,
            new { message, failed = !failure.Transient, ev.Id, instance = Instance }, tx)), CancellationToken.None);
        return failure.ToOutbox(message, MaxRetryAfter);
    }
}
