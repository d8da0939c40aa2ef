using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Webhooks;

public static class WebhookServices
{
    /// <summary>
    /// <c>EventPortal:Webhooks</c>, the secrets' protector, and the delivery client: no redirects (a 3xx is an answer,
    /// not a new target), no proxy (it would connect for us, past the address check), short timeouts, and a connect
    /// step that resolves the name and refuses non-public addresses.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSettings<WebhookOptions>(WebhookOptions.Section, WebhookOptions.Validate);
        services.AddSingleton<WebhookSecrets>();
        services.AddHttpClient(WebhookHandler.HttpClientName, (sp, client) =>
            {
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutSeconds);
                client.DefaultRequestHeaders.UserAgent.ParseAdd("EventPortal-Webhooks/1");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var o = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    UseCookies = false,
                    ConnectTimeout = TimeSpan.FromSeconds(Math.Min(5, o.TimeoutSeconds)),
                    ConnectCallback = (context, ct) => WebhookTargets.ConnectAsync(context, o.AllowPrivateTargets, ct),
                };
            });
        return services;
    }
}

/// <summary>
/// A hook's signing secret, sealed with the app's Data Protection keys (kept in the database): a receiver needs the
/// secret itself to check a signature, so it cannot be stored as a hash like a token; sealed, a copy of the
/// database alone does not reveal it. Shown once, when the hook is made.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    readonly IDataProtector _protector = protection.CreateProtector("EventPortal.Webhooks.Secret");

    public (string Plain, string Sealed) New()
    {
        var plain = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (plain, _protector.Protect(plain));
    }

    public string Unseal(string sealedSecret) => _protector.Unprotect(sealedSecret);
}
