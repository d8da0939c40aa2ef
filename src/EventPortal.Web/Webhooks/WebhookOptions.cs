namespace EventPortal.Web.Webhooks;

/// <summary>Settings under <c>EventPortal:Webhooks</c>: where deliveries may go, how long they may take, when to give up.</summary>
public sealed class WebhookOptions
{
    public const string Section = "EventPortal:Webhooks";

    /// <summary>
    /// Lets hooks point at http:// URLs and at loopback, private, link-local and unique-local
    /// addresses: for a receiver inside the office network, or a test. Off, a hook cannot be used
    /// to make the server call its own network (SSRF).
    /// </summary>
    public bool AllowPrivateTargets { get; set; }
    /// <summary>Connecting and the whole answer each get this long; a receiver should answer at once and work later.</summary>
    public double TimeoutSeconds { get; set; } = 10;
    /// <summary>
    /// Attempts before a delivery is given up as failed. With the outbox's back-off
    /// (<c>EventPortal:Outbox:RetryBaseSeconds</c> 30, doubling) the 8th attempt comes about an hour after the first.
    /// </summary>
    public int MaxAttempts { get; set; } = 8;

    public static IEnumerable<string> Validate(WebhookOptions o)
    {
        if (o.TimeoutSeconds is < 1 or > 60) yield return $"{Section}:TimeoutSeconds must be between 1 and 60.";
        if (o.MaxAttempts is < 1 or > 100) yield return $"{Section}:MaxAttempts must be between 1 and 100.";
    }
}
