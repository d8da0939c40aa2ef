using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// The real app on a real socket (Kestrel on a free loopback port) over a real database:
/// a fresh SQLite file in a temporary data directory, or a fresh database on the test
/// run's PostgreSQL cluster. Tests talk to it over HTTP and may peek into the database.
/// </summary>
public sealed class PortalApp : IAsyncDisposable
{
    readonly WebApplication _app;
    public Uri BaseAddress { get; }
    public string DataDirectory { get; }
    public Db Db => _app.Services.GetRequiredService<Db>();
    public IServiceProvider Services => _app.Services;
    public EventPortal.Web.Registrations.Tokens Tokens => _app.Services.GetRequiredService<EventPortal.Web.Registrations.Tokens>();

    static PortalApp()
    {
        // Hundreds of apps start in one test process; file watchers built on inotify (static
        // files, asp-append-version) would exhaust the per-user limit of 128 instances.
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
    }

    PortalApp(WebApplication app, Uri baseAddress, string dataDirectory) =>
        (_app, BaseAddress, DataDirectory) = (app, baseAddress, dataDirectory);

    public static Task<PortalApp> StartSqliteAsync(
        bool seedDemo = false, IDictionary<string, string?>? settings = null, TimeProvider? clock = null,
        Action<IServiceCollection>? services = null) =>
        StartAsync(new Dictionary<string, string?> { ["EventPortal:Database:Provider"] = "Sqlite" }, seedDemo, settings, clock, services);

    /// <summary>The app on <paramref name="engine"/>: <c>"postgres"</c>, or anything else for SQLite (tests run each on both).</summary>
    public static Task<PortalApp> StartOnAsync(string engine, IDictionary<string, string?>? settings = null, TimeProvider? clock = null,
        Action<IServiceCollection>? services = null) =>
        engine == "postgres"
            ? StartPostgresAsync(settings: settings, services: services, clock: clock)
            : StartSqliteAsync(settings: settings, clock: clock, services: services);

    public static async Task<PortalApp> StartPostgresAsync(bool seedDemo = false, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null, TimeProvider? clock = null)
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        return await StartAsync(new Dictionary<string, string?>
        {
            ["EventPortal:Database:Provider"] = "Postgres",
            ["ConnectionStrings:EventPortal"] = connectionString,
        }, seedDemo, settings, clock, services);
    }

    public static async Task<PortalApp> StartAsync(
        Dictionary<string, string?> database, bool seedDemo, IDictionary<string, string?>? settings, TimeProvider? clock = null,
        Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("eventportal-test-").FullName;
        var config = new Dictionary<string, string?>(database)
        {
            ["EventPortal:DataDirectory"] = dataDirectory,
            ["EventPortal:SeedDemo"] = seedDemo ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
            // Every test client is 127.0.0.1, and many tests register hundreds at once: the
            // per-address limits are switched on only by the tests about them (RateLimitTests).
            ["EventPortal:RateLimits:Enabled"] = "false",
            // Tests send the registration form as soon as they have loaded it; the minimum fill time is switched on
            // only by the tests about it (SeatDrainTests).
            ["EventPortal:Registration:MinFillSeconds"] = "0",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        // No file watchers on appsettings.json: hundreds of apps per run would exhaust inotify handles.
        var app = await Program.CreateAsync(["--urls", "http://127.0.0.1:0", "--hostBuilder:reloadConfigOnChange=false"], b =>
        {
            b.Configuration.AddInMemoryCollection(config);
            services?.Invoke(b.Services);
            if (clock is not null) b.Services.AddSingleton(clock);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PortalApp(app, new Uri(address), dataDirectory);
    }

    /// <summary>A client like a script: no cookies, no redirects followed.</summary>
    public HttpClient Client(string? language = null) => Browser(language, cookies: false);

    /// <summary>A client like a browser: keeps cookies (anti-forgery), does not follow redirects so tests can see them.</summary>
    public HttpClient Browser(string? language = null, bool cookies = true, CookieContainer? jar = null)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, UseCookies = cookies, CookieContainer = jar ?? new CookieContainer()
        })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (language is not null) client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        return client;
    }

    /// <summary>
    /// Creates a published event with a live ticket of <paramref name="liveSeats"/> and an unlimited recording ticket.
    /// The live ticket confirms at once unless <paramref name="confirmAddress"/> asks for double opt-in (the product's
    /// default for a ticket with a capacity): most tests are about what happens once a registration is confirmed.
    /// </summary>
    public async Task<string> CreateEventAsync(int? liveSeats = 100, bool waitlist = true, string? slug = null, DateTime? startsAt = null,
        string status = "published", string timeZone = "Asia/Tokyo", string? title = null, TimeSpan? length = null,
        bool confirmAddress = false)
    {
        slug ??= "ev-" + Guid.NewGuid().ToString("N")[..10];
        var start = startsAt ?? DateTime.UtcNow.AddDays(30);
        var spec = new EventSpec
        {
            Slug = slug,
            Title = title ?? "テスト説明会 " + slug,
            TimeZone = timeZone,
            Venue = "オンライン(Zoom)",
            OrganiserName = "テスト事務局",
            OrganiserEmail = "office@example.jp",
            StartsAt = start,
            EndsAt = start + (length ?? TimeSpan.FromHours(1)),
            DoorsOpenMinutes = 5,
            Status = status,
            TicketTypes =
            [
                new("live", "ライブ参加", "Live", liveSeats, waitlist) { ConfirmAddress = confirmAddress },
                new("recording", "録画視聴", "Recording", null, false, Kind: "recording"),
            ],
            Categories = DemoSeed.StandardCategories,
        };
        await Db.WriteAsync(
            (connection, tx) => spec.InsertAsync(connection, tx, DateTime.UtcNow, reminders: null, CancellationToken.None),
            CancellationToken.None);
        return slug;
    }

    public async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var connection = await Db.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, args);
    }

    /// <summary>
    /// Leaves the registration with this address as the retention purge leaves one: its status kept, its address an erased
    /// one (<c>Erasure.ErasedAddress</c>); <c>Erasure.EraseAsync</c> would also cancel it.
    /// </summary>
    public Task MarkErasedAsync(string email) => ExecuteAsync(
        $"UPDATE registrations SET email = {Erasure.ErasedAddress}, email_normalized = {Erasure.ErasedAddress} WHERE email = @email",
        new { email });

    public async Task<T> QueryOneAsync<T>(string sql, object? args = null)
    {
        await using var connection = await Db.OpenAsync(CancellationToken.None);
        return await connection.QuerySingleAsync<T>(sql, args);
    }

    /// <summary>Seat rows of the ticket coded 'live' with someone on them (the tests' events have one such ticket).</summary>
    public Task<int> LiveSeatsTakenAsync() => QueryOneAsync<int>(
        "SELECT COUNT(*) FROM seats s JOIN ticket_types t ON t.id = s.ticket_type_id " +
        "WHERE t.code = 'live' AND s.registration_id IS NOT NULL");

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = await Db.OpenAsync(CancellationToken.None);
        return (await connection.QueryAsync<T>(sql, args)).AsList();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
