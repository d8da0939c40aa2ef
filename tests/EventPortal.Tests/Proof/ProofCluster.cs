using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using EventPortal.Tests.Infrastructure;
using Npgsql;

namespace EventPortal.Tests.Proof;

/// <summary>
/// Several app instances as separate operating-system processes on one fresh PostgreSQL
/// database, started at the same moment on the empty database, all sending mail through one
/// real SMTP server. Instances can be killed (<c>kill -9</c>) and started again on their port.
/// </summary>
public sealed class ProofCluster : IAsyncDisposable
{
    public const string MailFrom = "noreply@portal.example.jp";

    readonly List<string> _dataDirectories = [];
    readonly AppProcess?[] _instances;
    readonly int[] _ports;
    readonly IReadOnlyDictionary<string, string> _extra;

    public SmtpServer Smtp { get; }
    public string ConnectionString { get; }

    ProofCluster(SmtpServer smtp, string connectionString, int instances, IReadOnlyDictionary<string, string>? extra)
    {
        (Smtp, ConnectionString, _extra) = (smtp, connectionString, extra ?? new Dictionary<string, string>());
        _instances = new AppProcess?[instances];
        _ports = Enumerable.Range(0, instances).Select(_ => PostgresServer.FreePort()).ToArray();
    }

    public int Count => _instances.Length;
    public Uri Address(int instance) => new($"http://127.0.0.1:{_ports[instance]}");
    public AppProcess Instance(int instance) =>
        _instances[instance] ?? throw new InvalidOperationException($"instance {instance} is not running");

    /// <summary>
    /// A fresh database (on bench/proof.sh's own cluster when <c>PROOF_PG</c> names one, else on the
    /// test run's), a fresh SMTP server, and <paramref name="instances"/> app processes started at once,
    /// with <paramref name="settings"/> over the cluster's own.
    /// </summary>
    public static async Task<ProofCluster> StartAsync(int instances, IReadOnlyDictionary<string, string>? settings = null)
    {
        var smtp = await SmtpServer.StartAsync();
        try
        {
            var cluster = new ProofCluster(smtp, await CreateDatabaseAsync(), instances, settings);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, instances).Select(cluster.StartInstanceAsync));
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
        catch
        {
            await smtp.DisposeAsync();
            throw;
        }
    }

    static async Task<string> CreateDatabaseAsync()
    {
        if (Environment.GetEnvironmentVariable("PROOF_PG") is not { Length: > 0 } admin)
            return WithPool(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());
        var name = $"proof_{Environment.ProcessId}_{Guid.NewGuid():N}"[..30];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync($"CREATE DATABASE {name}");
        }
        return WithPool(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    /// <summary>Each instance keeps at most 50 connections: two instances and the test stay under max_connections.</summary>
    static string WithPool(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 50, Timeout = 30, CommandTimeout = 60 }.ConnectionString;

    Dictionary<string, string> Settings(int instance)
    {
        var data = Directory.CreateTempSubdirectory($"eventportal-proof-{instance}-").FullName;
        lock (_dataDirectories) _dataDirectories.Add(data);
        return new Dictionary<string, string>
        {
            ["EventPortal:Database:Provider"] = "Postgres",
            ["ConnectionStrings:EventPortal"] = ConnectionString,
            ["EventPortal:DataDirectory"] = data,
            ["EventPortal:SeedDemo"] = "true",
            ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
            ["EventPortal:Mail:Transport"] = "Smtp",
            ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
            ["EventPortal:Mail:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["EventPortal:Mail:From"] = MailFrom,
            ["EventPortal:Outbox:PollSeconds"] = "0.2",
            ["EventPortal:Outbox:RetryBaseSeconds"] = "0.5",
            // A row left in flight by a killed instance is claimed again after 10 s (the default is
            // 300). It must outlast any one send, or a slow send is taken over and sent twice.
            ["EventPortal:Outbox:InFlightTimeoutSeconds"] = "10",
            // The flash crowd comes from one address; the per-address rate limits must not turn it away.
            ["EventPortal:RateLimits:Enabled"] = "false",
            ["EventPortal:Bootstrap:AdminEmail"] = Organisers.OwnerEmail,
            ["EventPortal:Bootstrap:AdminPassword"] = Organisers.OwnerPassword,
            ["EventPortal:Bootstrap:ApiToken"] = Organisers.ApiToken,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
        }.Concat(Environment.GetEnvironmentVariable("PROOF_MIN_THREADS") is { Length: > 0 } threads
            // bench/proof.sh --min-threads: start each instance's thread pool with this many workers
            // (hexadecimal, like every DOTNET_ number).
            ? [KeyValuePair.Create("DOTNET_ThreadPool_ForceMinWorkerThreads", threads)]
            : []).Concat(_extra).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
    }

    async Task StartInstanceAsync(int instance) => _instances[instance] = await AppProcess.StartAsync(Settings(instance), _ports[instance]);

    /// <summary>SIGKILL, exactly like a crash.</summary>
    public async Task KillAsync(int instance)
    {
        if (_instances[instance] is { } app)
        {
            await app.KillAsync();
            await app.DisposeAsync();
            _instances[instance] = null;
        }
    }

    /// <summary>
    /// Starts a killed instance again on its own port, with its settings (a fresh data directory: all state is in the database).
    /// </summary>
    public Task RestartAsync(int instance) => StartInstanceAsync(instance);

    /// <summary>
    /// A published event with a limited live ticket and an unlimited recording ticket, made through the admin API.
    /// The flash crowds measure seats taken at once, so their live ticket confirms without the mail unless asked.
    /// </summary>
    public async Task<string> CreateEventAsync(string slug, string title, int liveSeats, bool waitlist, bool confirmAddress = false)
    {
        using var api = new HttpClient { BaseAddress = Address(0), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Organisers.ApiToken);
        var body = new JsonObject
        {
            ["slug"] = slug, ["title"] = title, ["summary"] = "負荷試験",
            ["startsAt"] = "2030-03-06T12:00:00+09:00", ["endsAt"] = "2030-03-06T13:00:00+09:00", ["timeZone"] = "Asia/Tokyo",
            ["doorsOpenMinutes"] = 5, ["venue"] = "オンライン(Zoom)", ["meetingProvider"] = "Manual",
            ["meetingUrl"] = "https://zoom.example/j/1",
            ["ticketTypes"] = new JsonArray(
                new JsonObject
                {
                    ["code"] = "live", ["name"] = "ライブ参加", ["nameEn"] = "Live", ["capacity"] = liveSeats, ["waitlist"] = waitlist,
                    ["confirmAddress"] = confirmAddress,
                },
                new JsonObject { ["code"] = "recording", ["name"] = "録画視聴", ["kind"] = "recording" }),
        };
        var created = await api.PostAsync("/api/admin/events", JsonContent.Create(body));
        Assert.True(created.IsSuccessStatusCode, $"creating {slug}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var published = await api.PostAsync($"/api/admin/events/{slug}/publish", null);
        Assert.True(published.IsSuccessStatusCode,
            $"publishing {slug}: {(int)published.StatusCode} {await published.Content.ReadAsStringAsync()}");
        return slug;
    }

    /// <summary>The two events of a crowd: 100 live seats with a waitlist, and 100 without.</summary>
    public async Task<(string Waitlist, string SoldOut)> CreateCrowdEventsAsync(string prefix, string title) =>
        (await CreateEventAsync(prefix + "-wl", title + "(キャンセル待ちあり)", liveSeats: 100, waitlist: true),
         await CreateEventAsync(prefix + "-nw", title + "(キャンセル待ちなし)", liveSeats: 100, waitlist: false));

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> QueryOneAsync<T>(string sql, object? args = null)
    {
        await using var connection = await OpenAsync();
        return await connection.QuerySingleAsync<T>(sql, args);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = await OpenAsync();
        return (await connection.QueryAsync<T>(sql, args)).AsList();
    }

    /// <summary>What the instances printed (for a failure message).</summary>
    public string Output => string.Join("\n", _instances.Select((a, i) => $"--- instance {i}:\n{a?.Output}"));

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _instances.Length; i++) await KillAsync(i);
        await Smtp.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        foreach (var data in _dataDirectories)
            try { Directory.Delete(data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
