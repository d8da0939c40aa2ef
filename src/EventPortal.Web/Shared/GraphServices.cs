using Azure.Core;
using Azure.Identity;
using EventPortal.Web.Mail;
using EventPortal.Web.Meetings;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Kiota.Authentication.Azure;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

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

/// <summary>
/// The uses of Graph: the name of each one's settings, and the key of its <see cref="GraphServiceClient"/> and credential.
/// </summary>
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
    /// <summary>Name of the HttpClient handler chain under Graph calls (tests give it a handler that trusts their fake).</summary>
    public const string HttpClientName = "EventPortal.Graph";
    public const string Scope = "https://graph.microsoft.com/.default";

    /// <summary>
    /// Graph for every use in <see cref="GraphUse"/>: named <see cref="GraphOptions"/> bound from the
    /// use's section, and a <see cref="GraphServiceClient"/> and a <see cref="ClientSecretCredential"/>
    /// keyed by the use (a credential already registered under that key is kept: tests register theirs
    /// first). Each client sends to its own <c>GraphBaseUrl</c> over the handler chain
    /// <see cref="HttpClientName"/>. The credential is built on the first token request, so an unused
    /// or unconfigured use costs nothing and cannot fail at start-up.
    /// </summary>
    public static IServiceCollection AddGraph(this IServiceCollection services)
    {
        // The factory's default handler (tests set one that trusts their fake before this runs). The
        // clients keep it for the app's lifetime; its idle connections close after a minute, so a
        // change of Graph's addresses is picked up by the next connection.
        services.AddHttpClient(HttpClientName);
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
            services.TryAddKeyedSingleton(use, (sp, _) => Client(sp, use));
        }
        return services;
    }

    /// <summary>
    /// The SDK's client with its default middleware minus the retry handler: the outbox owns retries
    /// (and exactly-once), so one failed call is one failed attempt, with Graph's Retry-After kept for
    /// the outbox. The bearer token goes only to the configured Graph host.
    /// </summary>
    static GraphServiceClient Client(IServiceProvider sp, string use)
    {
        var baseUrl = sp.GetRequiredService<IOptionsMonitor<GraphOptions>>().Get(use).GraphBaseUrl.TrimEnd('/');
        var credential = new DeferredCredential(() => sp.GetRequiredKeyedService<TokenCredential>(use));
        var auth = new AzureIdentityAuthenticationProvider(credential, [new Uri(baseUrl).Host], isCaeEnabled: false, scopes: Scope);
        var handlers = GraphClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler);
        var finalHandler = sp.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(HttpClientName);
        var http = GraphClientFactory.Create(handlers, finalHandler: finalHandler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(60);
        return new GraphServiceClient(http, auth, baseUrl);
    }

    /// <summary>
    /// The use's credential, made on the first token request (a use nobody configured never makes one),
    /// asked one request at a time: calls a rush starts together would each fetch a token before the
    /// credential's cache holds the first; behind the gate the first fetches and the others read the cache.
    /// </summary>
    sealed class DeferredCredential(Func<TokenCredential> make) : TokenCredential
    {
        readonly Lazy<TokenCredential> _credential = new(make);
        readonly SemaphoreSlim _gate = new(1, 1);

        public override AccessToken GetToken(TokenRequestContext request, CancellationToken ct) =>
            GetTokenAsync(request, ct).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext request, CancellationToken ct)
        {
            await _gate.WaitAsync(ct);
            try { return await _credential.Value.GetTokenAsync(request, ct); }
            finally { _gate.Release(); }
        }
    }
}
