using System.Threading.RateLimiting;

namespace EventPortal.Web.Outbox;

/// <summary>A claimed outbox row.</summary>
public sealed class OutboxRow
{
    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string DedupeKey { get; init; } = "";
    public long? EventId { get; init; }
    public long? RegistrationId { get; init; }
    public string Payload { get; init; } = "{}";
    public int Attempts { get; init; }
    /// <summary>When this instance claimed the row (<see cref="Environment.TickCount64"/>), not stored.</summary>
    internal long ClaimedTicks { get; set; }
}

/// <summary>Done: it happened. Skipped: nothing is owed any more (the mail would now be wrong, say).</summary>
public enum OutboxResult { Done, Skipped }

/// <summary>
/// Does what one kind of outbox row asks (send a mail, call a meeting provider). Each is registered
/// once, with the others, where <c>AddOutbox</c> is called in Program.cs.
/// </summary>
public interface IOutboxHandler
{
    /// <summary>Kinds starting with this prefix are this handler's ("mail."); no two handlers' prefixes overlap.</summary>
    string KindPrefix { get; }

    /// <summary>
    /// How fast this handler's rows may go (a mail relay's limit), or null for no limit. The
    /// dispatcher waits for it before it checks that a row is still its own, so the wait never
    /// eats into the in-flight timeout.
    /// </summary>
    RateLimiter? Throttle => null;

    Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct);
}

/// <summary>A failure that says whether trying again could help.</summary>
public sealed class OutboxException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
    /// <summary>How long the other side asked us to wait (HTTP <c>Retry-After</c>); the retry is not due before then.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
