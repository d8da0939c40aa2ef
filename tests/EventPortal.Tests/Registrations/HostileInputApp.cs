using EventPortal.Tests.Infrastructure;

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

    public async Task InitializeAsync()
    {
        App = await PortalApp.StartSqliteAsync();
        Slug = await App.CreateEventAsync(liveSeats: 1000);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    protected async Task AssertNothingStoredAsync() =>
        Assert.Equal(StoredSoFar, await App.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
}
