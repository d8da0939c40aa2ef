namespace EventPortal.Web.Mail;

public enum MailTransportKind { Pickup, Smtp, Graph }

/// <summary>
/// Settings under <c>EventPortal:Mail</c>: the sender, the transport and its rate, DKIM. How the
/// outbox works its rows (mail and meetings alike) is <c>EventPortal:Outbox</c> (Outbox/OutboxOptions.cs).
/// </summary>
public sealed class MailOptions
{
    public const string Section = "EventPortal:Mail";

    public MailTransportKind Transport { get; set; } = MailTransportKind.Pickup;
    public string From { get; set; } = "no-reply@eventportal.invalid";
    public string FromName { get; set; } = "EventPortal";
    public SmtpSettings Smtp { get; set; } = new();
    public GraphMailSettings Graph { get; set; } = new();
    public DkimSettings Dkim { get; set; } = new();

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
        /// <summary>STARTTLS after connecting (port 587); the relay must offer it.</summary>
        public bool StartTls { get; set; }
        /// <summary>TLS from the first byte (SMTPS); unset: on for port 465, off otherwise.</summary>
        public bool? ImplicitTls { get; set; }
        /// <summary>
        /// A PEM file with the relay's own certificate(s), for a relay whose certificate the system does
        /// not trust (self-signed, a private CA): accepted when it presents exactly one of these. Other
        /// certificates still need to pass the normal validation; unset: only the normal validation.
        /// </summary>
        public string? TrustedCertificateFile { get; set; }
        public int TimeoutSeconds { get; set; } = 30;
        /// <summary>A connection unused this long is closed (before the relay's own idle timeout closes it under us).</summary>
        public int IdleSeconds { get; set; } = 30;
        /// <summary>Messages sent over one connection before it is closed and a new one opened (relays limit this).</summary>
        public int MessagesPerConnection { get; set; } = 100;
        /// <summary>XOAUTH2 for Microsoft 365 SMTP instead of a password: the app registration's token,
        /// for <see cref="UserName"/>.</summary>
        public SmtpOAuthSettings OAuth { get; set; } = new();

        public bool UsesImplicitTls => ImplicitTls ?? Port == 465;
    }

    /// <summary>An app registration allowed to send as <see cref="SmtpSettings.UserName"/> over SMTP (SMTP.SendAsApp).</summary>
    public sealed class SmtpOAuthSettings
    {
        public string? TenantId { get; set; }
        public string? ClientId { get; set; }
        public string? ClientSecret { get; set; }
        public string AuthorityHost { get; set; } = "https://login.microsoftonline.com";
        public string Scope { get; set; } = "https://outlook.office365.com/.default";
        public bool Enabled => !string.IsNullOrWhiteSpace(TenantId);
    }

    /// <summary>The app registration (<see cref="Shared.GraphOptions"/>, Graph's named settings "mail")
    /// and the mailbox that sends.</summary>
    public sealed class GraphMailSettings : Shared.GraphOptions
    {
        /// <summary>The mailbox that sends (object id or UPN); it needs the Mail.Send application permission.</summary>
        public string? SenderUserId { get; set; }
    }

    /// <summary>DKIM signing by the app (Mail/DkimSigning.cs), for relays that do not sign: all three or none.</summary>
    public sealed class DkimSettings
    {
        public string? Domain { get; set; }
        public string? Selector { get; set; }
        /// <summary>PEM file with the RSA private key (relative paths: from the working directory).</summary>
        public string? PrivateKeyFile { get; set; }
        public bool Enabled => !string.IsNullOrWhiteSpace(Domain);
    }

    public static IEnumerable<string> Validate(MailOptions o)
    {
        if (!MailAddresses.IsAddress(o.From)) yield return $"EventPortal:Mail:From must be an e-mail address, not '{o.From}'.";
        if (o.FromName.Any(char.IsControl)) yield return "EventPortal:Mail:FromName must not contain control characters.";
        if (o.MessagesPerMinute < 0) yield return "EventPortal:Mail:MessagesPerMinute must be 0 (no limit) or more.";
        if (o.Transport == MailTransportKind.Smtp)
            foreach (var error in ValidateSmtp(o.Smtp)) yield return error;
        if (o.Transport == MailTransportKind.Graph)
        {
            foreach (var (name, value) in new[] { ("TenantId", o.Graph.TenantId), ("ClientId", o.Graph.ClientId),
                         ("ClientSecret", o.Graph.ClientSecret), ("SenderUserId", o.Graph.SenderUserId) })
                if (string.IsNullOrWhiteSpace(value))
                    yield return $"EventPortal:Mail:Graph:{name} is required when EventPortal:Mail:Transport is Graph.";
            foreach (var (name, value) in new[] { ("GraphBaseUrl", o.Graph.GraphBaseUrl), ("AuthorityHost", o.Graph.AuthorityHost) })
                if (!IsHttpUrl(value)) yield return $"EventPortal:Mail:Graph:{name} must be an absolute URL, not '{value}'.";
        }
        foreach (var error in DkimSigning.Validate(o.Dkim)) yield return error;
    }

    static IEnumerable<string> ValidateSmtp(SmtpSettings s)
    {
        const string Key = "EventPortal:Mail:Smtp";
        if (string.IsNullOrWhiteSpace(s.Host)) yield return $"{Key}:Host is required when EventPortal:Mail:Transport is Smtp.";
        if (s.Port is < 1 or > 65535) yield return $"{Key}:Port must be between 1 and 65535.";
        if (s.StartTls && s.UsesImplicitTls)
            yield return $"{Key}:StartTls and implicit TLS (port 465 or ImplicitTls=true) exclude each other: choose one.";
        foreach (var error in SmtpTrust.Validate(s.TrustedCertificateFile, $"{Key}:TrustedCertificateFile")) yield return error;
        if (s.TimeoutSeconds is < 1 or > 600) yield return $"{Key}:TimeoutSeconds must be between 1 and 600.";
        if (s.IdleSeconds is < 1 or > 3600) yield return $"{Key}:IdleSeconds must be between 1 and 3600.";
        if (s.MessagesPerConnection is < 1 or > 100_000) yield return $"{Key}:MessagesPerConnection must be between 1 and 100000.";
        if (s.OAuth.Enabled)
        {
            foreach (var (name, value) in new[] { ("ClientId", s.OAuth.ClientId), ("ClientSecret", s.OAuth.ClientSecret) })
                if (string.IsNullOrWhiteSpace(value)) yield return $"{Key}:OAuth:{name} is required when {Key}:OAuth:TenantId is set.";
            if (string.IsNullOrWhiteSpace(s.UserName)) yield return $"{Key}:UserName (the sending mailbox) is required for XOAUTH2.";
            if (!string.IsNullOrEmpty(s.Password)) yield return $"{Key}:Password and {Key}:OAuth exclude each other: choose one.";
            if (!IsHttpUrl(s.OAuth.AuthorityHost)) yield return $"{Key}:OAuth:AuthorityHost must be an absolute URL.";
        }
        else if (string.IsNullOrEmpty(s.UserName) != string.IsNullOrEmpty(s.Password))
            yield return $"{Key}:UserName and {Key}:Password go together: set both or neither.";
    }

    static bool IsHttpUrl(string value) => Uri.TryCreate(value, UriKind.Absolute, out var u) && u.Scheme is "https" or "http";
}
