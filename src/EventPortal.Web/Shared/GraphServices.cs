using Azure.Core;
using Azure.Identity;
using EventPortal.Web.Mail;
using EventPortal.Web.Meetings;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Shared;

/// <summary>
/// One Entra app registration that calls Graph. Mail and meetings each name their own (mail needs
/// <c>Mail.Send</c>, meetings <c>OnlineMeetings.ReadWrite.All</c> or <c>Calendars.ReadWrite</c>; an
/// operator may grant both to one app or keep them apart), so each use reads these under its own
/// section. Each use's options class checks them when that use is switched on.
/// </summary>
public class GraphOptions
{
    public string? TenantId { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string GraphBaseUrl { get; set; } = "https://graph.microsoft.com/v1.0";
    public string AuthorityHost { get; set; } = "https://login.microsoftonline.com";
}

/// <summary>The uses of Graph: the name of each one's settings, and the key of its <see cref="GraphClient"/> and credential.</summary>
public static class GraphUse
{
    public const string Mail = "mail";
    public const string Meetings = "meetings";

    /// <summary>Where each use's settings live (the keys operators already have).</summary>
    public static readonly IReadOnlyDictionary<string, string> Sections = new Dictionary<string, string>
    {
        [Mail] = MailOptions.Section + ":Graph",
        [Meetings] = MeetingOptions.Section + ":Teams",
    };
}

public static class GraphServices
{
    /// <summary>
    /// Graph for every use in <see cref="GraphUse"/>: named <see cref="GraphOptions"/> bound from the
    /// use's section, and a <see cref="GraphClient"/> and a <see cref="ClientSecretCredential"/> keyed
    /// by the use (a credential already registered under that key is kept: tests register theirs
    /// first). All uses share the HttpClient <see cref="GraphClient.HttpClientName"/>; each client
    /// sends to its own <c>GraphBaseUrl</c>. The credential is built on the first token request, so
    /// an unused or unconfigured use costs nothing and cannot fail at start-up.
    /// </summary>
    public static IServiceCollection AddGraph(this IServiceCollection services)
    {
        services.AddHttpClient(GraphClient.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(60));
        foreach (var (use, section) in GraphUse.Sections)
        {
            services.AddOptions<GraphOptions>(use).BindConfiguration(section);
            // One instance per use for the app's lifetime: its MSAL cache is what keeps the token.
            services.TryAddKeyedSingleton<TokenCredential>(use, (sp, _) =>
            {
                var g = sp.GetRequiredService<IOptionsMonitor<GraphOptions>>().Get(use);
                return new ClientSecretCredential(g.TenantId, g.ClientId, g.ClientSecret,
                    new ClientSecretCredentialOptions { AuthorityHost = new Uri(g.AuthorityHost) });
            });
            services.TryAddKeyedSingleton(use, (sp, _) => new GraphClient(sp.GetRequiredService<IHttpClientFactory>(),
                () => sp.GetRequiredKeyedService<TokenCredential>(use),
                sp.GetRequiredService<IOptionsMonitor<GraphOptions>>().Get(use).GraphBaseUrl));
        }
        return services;
    }
}
