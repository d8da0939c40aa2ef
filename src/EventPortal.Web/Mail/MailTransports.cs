using Microsoft.Extensions.Options;

namespace EventPortal.Web.Mail;

public static class MailTransports
{
    /// <summary>The transport <c>EventPortal:Mail:Transport</c> names.</summary>
    public static IMailTransport Create(IServiceProvider services)
    {
        var mail = services.GetRequiredService<IOptions<MailOptions>>().Value;
        var portal = services.GetRequiredService<IOptions<PortalOptions>>().Value;
        return mail.Transport switch
        {
            MailTransportKind.Smtp => new SmtpTransport(mail.Smtp),
            MailTransportKind.Graph => ActivatorUtilities.CreateInstance<GraphMailTransport>(services),
            _ => new PickupTransport(Path.GetFullPath(Path.Combine(portal.DataDirectory, "mail", "pickup"))),
        };
    }
}
