namespace EventPortal.Web.Outbox;

/// <summary>
/// The states of an outbox row, the one place they are spelled: code compares with these and SQL
/// constants interpolate them (<c>$"""… status = '{OutboxStatus.Queued}' …"""</c>), so a search for
/// a state finds every use. Migrations keep their own literals: an applied migration never changes.
/// <code>
/// queued, retry ──claim──▶ in_flight ──▶ sent or skipped   (purged after EventPortal:Outbox:RetentionDays)
///                                   ├──▶ retry             (due again after the back-off)
///                                   └──▶ failed            (kept; the console's retry button queues it again)
/// </code>
/// A row left in_flight by an instance that died is claimed again after the in-flight timeout.
/// </summary>
public static class OutboxStatus
{
    /// <summary>Waiting for its due time or for a dispatcher.</summary>
    public const string Queued = "queued";
    /// <summary>Claimed by one instance (<c>claimed_by</c>), which is working on it now.</summary>
    public const string InFlight = "in_flight";
    /// <summary>Failed in a way that may pass; due again after the back-off.</summary>
    public const string Retry = "retry";
    /// <summary>Done.</summary>
    public const string Sent = "sent";
    /// <summary>Nothing was owed any more when its turn came (the mail would have been wrong, the data is gone).</summary>
    public const string Skipped = "skipped";
    /// <summary>Given up: a permanent failure, or too many attempts. The error is kept.</summary>
    public const string Failed = "failed";

    /// <summary>For SQL: the states of a row still owed and not being worked on, <c>status IN ({OutboxStatus.Waiting})</c>.</summary>
    public const string Waiting = $"'{Queued}', '{Retry}'";

    /// <summary>In the order the console shows them.</summary>
    public static readonly IReadOnlyList<string> All = [Queued, InFlight, Retry, Sent, Skipped, Failed];
}
