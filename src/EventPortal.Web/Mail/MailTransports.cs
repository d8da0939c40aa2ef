using Azure.Core;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Mail;

public static class MailTransports
{
    /// <summary>
    /// The key of a <see cref="TokenCredential"/> for SMTP XOAUTH2 registered in the services; without
    /// one, the credential is made from <c>EventPortal:Mail:Smtp:OAuth</c> (tests register theirs).
    /// </summary>
    public const string SmtpOAuthCredential = "smtp-oauth";

    /// <summary>The transport <c>EventPortal:Mail:Transport</c> names.</summary>
    public static IMailTransport Create(IServiceProvider services)
    {
        var mail = services.GetRequiredService<IOptions<MailOptions>>().Value;
        var portal = services.GetRequiredService<IOptions<PortalOptions>>().Value;
        return mail.Transport switch
        {
            MailTransportKind.Smtp => new SmtpTransport(mail.Smtp, services.GetKeyedService<TokenCredential>(SmtpOAuthCredential)),
            MailTransportKind.Graph => ActivatorUtilities.CreateInstance<GraphMailTransport>(services),
            _ => new PickupTransport(Path.GetFullPath(Path.Combine(portal.DataDirectory, "mail", "pickup"))),
        };
    }
}
