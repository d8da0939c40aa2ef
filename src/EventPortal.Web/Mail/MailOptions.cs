using System.Net.Mail;

namespace EventPortal.Web.Mail;

public enum MailTransportKind { Pickup, Smtp, Graph }

/// <summary>
/// Settings under <c>EventPortal:Mail</c>: the sender, the transport and its rate. How the outbox
/// works its rows (mail and meetings alike) is <c>EventPortal:Outbox</c> (Outbox/OutboxOptions.cs).
/// </summary>
public sealed class MailOptions
{
    public const string Section = "EventPortal:Mail";

    public MailTransportKind Transport { get; set; } = MailTransportKind.Pickup;
    public string From { get; set; } = "no-reply@eventportal.invalid";
    public string FromName { get; set; } = "EventPortal";
    public SmtpSettings Smtp { get; set; } = new();
    public GraphMailSettings Graph { get; set; } = new();

    /// <summary>
    /// 0: as fast as the relay takes them. Microsoft 365 allows 30 a minute per mailbox. Meeting
    /// rows are not held back by it. (How many rows go at once is EventPortal:Outbox:MaxParallel.)
    /// </summary>
    public int MessagesPerMinute { get; set; }

    public sealed class SmtpSettings
    {
        public string Host { get; set; } = "localhost";
        public int Port { get; set; } = 25;
        public string? UserName { get; set; }
        public string? Password { get; set; }
        public bool StartTls { get; set; }
        public int TimeoutSeconds { get; set; } = 30;
    }

    /// <summary>The app registration (<see cref="Shared.GraphOptions"/>, Graph's named settings "mail")
    /// and the mailbox that sends.</summary>
    public sealed class GraphMailSettings : Shared.GraphOptions
    {
        /// <summary>The mailbox that sends (object id or UPN); it needs the Mail.Send application permission.</summary>
        public string? SenderUserId { get; set; }
    }

    public static IEnumerable<string> Validate(MailOptions o)
    {
        if (!IsAddress(o.From)) yield return $"EventPortal:Mail:From must be an e-mail address, not '{o.From}'.";
        if (o.FromName.Any(char.IsControl)) yield return "EventPortal:Mail:FromName must not contain control characters.";
        if (o.MessagesPerMinute < 0) yield return "EventPortal:Mail:MessagesPerMinute must be 0 (no limit) or more.";
        if (o.Transport == MailTransportKind.Smtp)
        {
            if (string.IsNullOrWhiteSpace(o.Smtp.Host))
                yield return "EventPortal:Mail:Smtp:Host is required when EventPortal:Mail:Transport is Smtp.";
            if (o.Smtp.Port is < 1 or > 65535) yield return "EventPortal:Mail:Smtp:Port must be between 1 and 65535.";
            if (o.Smtp.Port == 465)
                yield return "EventPortal:Mail:Smtp:Port 465 (implicit TLS) is not supported by System.Net.Mail; " +
                    "use 587 with StartTls=true.";
            if (string.IsNullOrEmpty(o.Smtp.UserName) != string.IsNullOrEmpty(o.Smtp.Password))
                yield return "EventPortal:Mail:Smtp:UserName and EventPortal:Mail:Smtp:Password go together: set both or neither.";
        }
        if (o.Transport == MailTransportKind.Graph)
        {
            foreach (var (name, value) in new[] { ("TenantId", o.Graph.TenantId), ("ClientId", o.Graph.ClientId),
                         ("ClientSecret", o.Graph.ClientSecret), ("SenderUserId", o.Graph.SenderUserId) })
                if (string.IsNullOrWhiteSpace(value))
                    yield return $"EventPortal:Mail:Graph:{name} is required when EventPortal:Mail:Transport is Graph.";
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
