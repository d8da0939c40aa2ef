using EventPortal.Web.Meetings;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventPortal.Web;

public static class MeetingServices
{
    /// <summary>
    /// <c>EventPortal:Meetings</c>, the Zoom HTTP client, one class per provider; the outbox
    /// handler for <c>meeting.*</c> rows is registered in Program.cs. Teams calls Graph through the SDK client
    /// that <c>AddGraph</c> registers for <see cref="Shared.GraphUse.Meetings"/>, with the credential
    /// from <c>EventPortal:Meetings:Teams</c> (mail through Graph keeps its own).
    /// </summary>
    public static IServiceCollection AddMeetings(this IServiceCollection services)
    {
        services.AddSettings<MeetingOptions>(MeetingOptions.Section, MeetingOptions.Validate);
        services.AddHttpClient(ZoomClient.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(60));
        services.TryAddSingleton<ZoomClient>();
        services.AddSingleton<MeetingRecord>();
        services.AddSingleton<MeetingClaim>();
        services.AddSingleton<TeamsOnlineMeetings>();
        services.AddSingleton<TeamsCalendarEvents>();
        services.AddSingleton<TeamsWebinars>();
        services.AddSingleton<PersonalRegistrants>();
        services.AddSingleton<ZoomMeetings>();
        services.AddSingleton<ZoomRegistrants>();
        services.AddSingleton<ZoomPanelists>();
        return services;
    }
}
