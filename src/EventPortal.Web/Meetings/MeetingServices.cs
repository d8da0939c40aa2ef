using Azure.Core;
using Azure.Identity;
using EventPortal.Web.Meetings;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EventPortal.Web;

public static class MeetingServices
{
    /// <summary>
    /// <c>EventPortal:Meetings</c>, the Teams (Graph) and Zoom HTTP clients of the outbox handler
    /// for <c>meeting.*</c> rows (registered in Program.cs). The Teams credential is its own (keyed) singleton, built when
    /// first needed from <c>EventPortal:Meetings:Teams</c> unless one is registered already
    /// (tests register theirs first); mail through Graph keeps its own.
    /// </summary>
    public static IServiceCollection AddMeetings(this IServiceCollection services)
    {
        services.AddSettings<MeetingOptions>(MeetingOptions.Section, MeetingOptions.Validate);
        services.AddHttpClient(MeetingHandler.TeamsHttpClientName, (sp, http) =>
        {
            var baseUrl = sp.GetRequiredService<IOptions<MeetingOptions>>().Value.Teams.GraphBaseUrl;
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            http.Timeout = TimeSpan.FromSeconds(60);
        });
        services.TryAddKeyedSingleton<TokenCredential>(MeetingHandler.TeamsCredentialKey, (sp, _) =>
        {
            var t = sp.GetRequiredService<IOptions<MeetingOptions>>().Value.Teams;
            return new ClientSecretCredential(t.TenantId, t.ClientId, t.ClientSecret,
                new ClientSecretCredentialOptions { AuthorityHost = new Uri(t.AuthorityHost) });
        });
        services.AddHttpClient(ZoomClient.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(60));
        services.TryAddSingleton<ZoomClient>();
        return services;
    }
}
