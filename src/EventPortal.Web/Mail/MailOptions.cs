using System.Net.Mail;

namespace EventPortal.Web.Mail;

public enum MailTransportKind { Pickup, Smtp, Graph }

/// <summary>Settings under <c>EventPortal:Mail</c>.</summary>
public sealed class MailOptions
{
    public const string Section = "EventPortal:Mail";

    public MailTransportKind Transport { get; set; } = MailTransportKind.Pickup;
    public string From { get; set; } = "no-reply@eventportal.invalid";
    public string FromName { get; set; } = "EventPortal";
    public SmtpSettings Smtp { get; set; } = new();
    public GraphMailSettings Graph { get; set; } = new();

    /// <summary>
    /// Whether this instance works through the outbox. Off for an instance that should only
    /// serve pages (several instances may all dispatch safely; this is for separating roles).
    /// </summary>
    public bool DispatcherEnabled { get; set; } = true;
    /// <summary>
    /// Messages sent at once. System.Net.Mail manages ~22 a second per connection (a 43 ms
    /// Nagle/delayed-ACK wait at the end of every DATA, bench/README.md), so 10,000 reminders in
    /// under a minute needs 16 (measured: 8 took 65–69 s, 16 took 43–44 s).
    /// </summary>
    public int MaxParallel { get; set; } = 16;
    /// <summary>0: as fast as the relay takes them. Microsoft 365 allows 30 a minute per mailbox.</summary>
    public int MessagesPerMinute { get; set; }
    /// <summary>Rows claimed per round.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>How often the dispatcher looks for due rows when it has nothing to do.</summary>
    public double PollSeconds { get; set; } = 1;
    /// <summary>First retry delay; each later one doubles (with jitter), up to an hour.</summary>
    public double RetryBaseSeconds { get; set; } = 30;
    /// <summary>Transient failures before a row is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 12;
    /// <summary>A row in flight longer than this belonged to an instance that died; it is claimed again.</summary>
    public double InFlightTimeoutSeconds { get; set; } = 300;
    /// <summary>Sent rows older than this are deleted; failed ones stay until someone looks.</summary>
    public int RetentionDays { get; set; } = 30;

    public sealed class SmtpSettings
    {
        public string Host { get; set; } = "localhost";
        public int Port { get; set; } = 25;
        public string? UserName { get; set; }
        public string? Password { get; set; }
        public bool StartTls { get; set; }
        public int TimeoutSeconds { get; set; } = 30;
    }

    /// <summary>The app registration (<see cref="Shared.GraphOptions"/>, Graph's named settings "mail") and the mailbox that sends.</summary>
    public sealed class GraphMailSettings : Shared.GraphOptions
    {
        /// <summary>The mailbox that sends (object id or UPN); it needs the Mail.Send application permission.</summary>
        public string? SenderUserId { get; set; }
    }

    public static IEnumerable<string> Validate(MailOptions o)
    {
        if (!IsAddress(o.From)) yield return $"EventPortal:Mail:From must be an e-mail address, not '{o.From}'.";
        if (o.FromName.Any(char.IsControl)) yield return "EventPortal:Mail:FromName must not contain control characters.";
        if (o.MaxParallel is < 1 or > 64) yield return "EventPortal:Mail:MaxParallel must be between 1 and 64.";
        if (o.MessagesPerMinute < 0) yield return "EventPortal:Mail:MessagesPerMinute must be 0 (no limit) or more.";
        if (o.BatchSize is < 1 or > 1000) yield return "EventPortal:Mail:BatchSize must be between 1 and 1000.";
        if (o.PollSeconds is <= 0 or > 60) yield return "EventPortal:Mail:PollSeconds must be more than 0 and at most 60.";
        if (o.RetryBaseSeconds is <= 0 or > 3600) yield return "EventPortal:Mail:RetryBaseSeconds must be more than 0 and at most 3600.";
        if (o.MaxAttempts is < 1 or > 100) yield return "EventPortal:Mail:MaxAttempts must be between 1 and 100.";
        if (o.InFlightTimeoutSeconds < 5) yield return "EventPortal:Mail:InFlightTimeoutSeconds must be at least 5.";
        if (o.RetentionDays < 1) yield return "EventPortal:Mail:RetentionDays must be at least 1.";
        if (o.Transport == MailTransportKind.Smtp)
        {
            if (string.IsNullOrWhiteSpace(o.Smtp.Host)) yield return "EventPortal:Mail:Smtp:Host is required when EventPortal:Mail:Transport is Smtp.";
            if (o.Smtp.Port is < 1 or > 65535) yield return "EventPortal:Mail:Smtp:Port must be between 1 and 65535.";
            if (o.Smtp.Port == 465) yield return "EventPortal:Mail:Smtp:Port 465 (implicit TLS) is not supported by System.Net.Mail; use 587 with StartTls=true.";
            if (string.IsNullOrEmpty(o.Smtp.UserName) != string.IsNullOrEmpty(o.Smtp.Password))
                yield return "EventPortal:Mail:Smtp:UserName and EventPortal:Mail:Smtp:Password go together: set both or neither.";
        }
        if (o.Transport == MailTransportKind.Graph)
        {
            foreach (var (name, value) in new[] { ("TenantId", o.Graph.TenantId), ("ClientId", o.Graph.ClientId), ("ClientSecret", o.Graph.ClientSecret), ("SenderUserId", o.Graph.SenderUserId) })
                if (string.IsNullOrWhiteSpace(value)) yield return $"EventPortal:Mail:Graph:{name} is required when EventPortal:Mail:Transport is Graph.";
            foreach (var (name, value) in new[] { ("GraphBaseUrl", o.Graph.GraphBaseUrl), ("AuthorityHost", o.Graph.AuthorityHost) })
                if (!Uri.TryCreate(value, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http"))
                    yield return $"EventPortal:Mail:Graph:{name} must be an absolute URL, not '{value}'.";
        }
    }

    static bool IsAddress(string value)
    {
        try { return new MailAddress(value).Address == value; }
        catch (FormatException) { return false; }
    }
}
