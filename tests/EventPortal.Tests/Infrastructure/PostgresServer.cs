using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the whole test run (initdb + pg_ctl from Debian's
/// postgresql package, on a free loopback port), stopped when the test process exits. Each
/// test app gets a database of its own. When PostgreSQL is not installed the tests fail:
/// scripts/test.sh installs it, and a silently skipped database is not a tested one.
/// </summary>
public sealed class PostgresServer
{
    static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    readonly string _directory;
    readonly string _runAs;
    readonly string _bin;
    public int Port { get; }
    int _databases;

    PostgresServer(string directory, string bin, string runAs, int port) =>
        (_directory, _bin, _runAs, Port) = (directory, bin, runAs, port);

    public string ConnectionString(string database, int maxPool = 100) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Maximum Pool Size={maxPool};Timeout=30;Command Timeout=60";

    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin")).Where(Directory.Exists).OrderBy(d => d).LastOrDefault()
            : null;
        if (bin is null || !File.Exists(Path.Combine(bin, "initdb")))
            throw new InvalidOperationException(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). Run ./scripts/test.sh, which installs it.");

        var directory = Path.Combine(Path.GetTempPath(), $"eventportal-pg-{Environment.ProcessId}");
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        var runAs = Environment.UserName == "root" ? "postgres" : "";
        if (runAs.Length > 0) await RunAsync("chown", $"postgres:postgres {directory}");

        var port = FreePort();
        var server = new PostgresServer(directory, bin, runAs, port);
        await server.PgAsync("initdb", $"-D {directory}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync");
        await server.PgAsync("pg_ctl",
            $"-D {directory}/data -l {directory}/server.log -w -t 60 start " +
            $"-o \"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=400 " +
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off\"");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            server.PgAsync("pg_ctl", $"-D {directory}/data -m immediate -w stop").GetAwaiter().GetResult();
        return server;
    }

    Task PgAsync(string tool, string arguments) =>
        _runAs.Length > 0
            ? RunAsync("runuser", $"-u {_runAs} -- {Path.Combine(_bin, tool)} {arguments}")
            : RunAsync(Path.Combine(_bin, tool), arguments);

    static async Task RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {await stdout}{await stderr}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
