using EventPortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// What the hostile-input tests share: a fresh app with one event per test, and the number of
/// registrations that should be stored by now, so a refusal can be shown to have stored nothing.
/// Each case states what must happen; none may get a 5xx.
/// </summary>
public abstract class HostileInputApp : IAsyncLifetime
{
    protected PortalApp App { get; private set; } = null!;
    protected string Slug { get; private set; } = "";
    /// <summary>Registrations the test has made on purpose; anything beyond them was stored by mistake.</summary>
    protected int StoredSoFar { get; set; }
    /// <summary>Every log line of the app, to show that what a client sent is not logged as an error of ours.</summary>
    protected CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        // Each request's end is logged ("Request finished … - status"), so a test can wait for a request that got no answer.
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" };
        App = await PortalApp.StartSqliteAsync(settings: settings, services: s => s.AddSingleton<ILoggerProvider>(Logs));
        Slug = await App.CreateEventAsync(liveSeats: 1000);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    protected async Task AssertNothingStoredAsync() =>
        Assert.Equal(StoredSoFar, await App.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
}
