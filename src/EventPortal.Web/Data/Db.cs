using System.Data;
using System.Data.Common;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventPortal.Web.Data;

public enum DbProvider { Sqlite, Postgres }

public sealed class DatabaseOptions
{
    public const string Section = "EventPortal:Database";
    public DbProvider Provider { get; set; } = DbProvider.Sqlite;
}

/// <summary>
/// The one door to the database. Reads get a pooled connection each; writes go through
/// <see cref="WriteAsync{T}"/>, which on SQLite funnels every transaction through one shared
/// connection behind a semaphore. The bundled e_sqlite3 busy handler sleeps in whole seconds
/// (no HAVE_USLEEP), so letting pooled connections fight over the write lock costs up to a
/// second per collision; a single writer costs nothing and still lets WAL readers run.
/// On PostgreSQL each write is its own pooled connection and transaction, and row locks do
/// the serialising across any number of app instances.
/// </summary>
public sealed class Db : IAsyncDisposable
{
    readonly NpgsqlDataSource? _postgres;
    readonly string? _sqliteConnectionString;
    readonly SemaphoreSlim _writerGate = new(1, 1);
    SqliteConnection? _writer;

    public DbProvider Provider { get; }

    public Db(IOptions<DatabaseOptions> options, IOptions<PortalOptions> portal, IConfiguration configuration)
    {
        Provider = options.Value.Provider;
        var configured = configuration.GetConnectionString("EventPortal");
        if (Provider == DbProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(configured))
                throw new InvalidOperationException("ConnectionStrings:EventPortal is required when EventPortal:Database:Provider is Postgres.");
            _postgres = NpgsqlDataSource.Create(configured);
        }
        else
        {
            UseSystemSqliteWhereAvailable();
            SQLitePCL.Batteries_V2.Init();
            if (string.IsNullOrWhiteSpace(configured))
            {
                Directory.CreateDirectory(portal.Value.DataDirectory);
                configured = $"Data Source={Path.Combine(portal.Value.DataDirectory, "eventportal.db")}";
            }
            _sqliteConnectionString = new SqliteConnectionStringBuilder(configured)
            {
                Pooling = true,
                DefaultTimeout = 30,
            }.ToString();
        }
    }

    public bool IsSqlite => Provider == DbProvider.Sqlite;

    /// <summary>A pooled connection for reads (and for writes that need no transaction on PostgreSQL).</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(ct);
        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(ct);
        await PrepareSqliteAsync(connection, writer: false, ct);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it. On PostgreSQL a deadlock
    /// or serialisation failure is retried a few times; the work must therefore be safe to
    /// repeat (it is: everything it did was rolled back).
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        if (_postgres is not null)
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var connection = await _postgres.OpenConnectionAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                try
                {
                    var result = await work(connection, tx);
                    await tx.CommitAsync(ct);
                    return result;
                }
                catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
                {
                    await tx.RollbackAsync(CancellationToken.None);
                    await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
                }
            }
        }

        await _writerGate.WaitAsync(ct);
        try
        {
            var writer = await GetWriterAsync(ct);
            // Microsoft.Data.Sqlite issues BEGIN IMMEDIATE: the write lock is taken up front.
            await using var tx = await writer.BeginTransactionAsync(ct);
            var result = await work(writer, tx);
            await tx.CommitAsync(ct);
            return result;
        }
        finally
        {
            _writerGate.Release();
        }
    }

    async Task<SqliteConnection> GetWriterAsync(CancellationToken ct)
    {
        if (_writer is { State: ConnectionState.Open })
            return _writer;
        _writer?.Dispose();
        // The writer is not pooled: it lives as long as the app.
        _writer = new SqliteConnection(_sqliteConnectionString + ";Pooling=False");
        await _writer.OpenAsync(ct);
        await PrepareSqliteAsync(_writer, writer: true, ct);
        return _writer;
    }

    static async Task PrepareSqliteAsync(SqliteConnection connection, bool writer, CancellationToken ct)
    {
        // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode survives a
        // process crash (the case we design for); only an OS crash or power loss can lose
        // the last transactions. FULL costs about ten times the write throughput.
        // Readers (opened per request from the pool) only need the busy timeout.
        await using var command = connection.CreateCommand();
        command.CommandText = writer
            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
            : "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync(ct);
    }

    static int _nativeChosen;

    /// <summary>
    /// Prefer the operating system's SQLite (Debian: libsqlite3.so.0, 3.40) to the bundled
    /// e_sqlite3 2.0.6 build. The bundled one is compiled without HAVE_USLEEP, so its busy
    /// handler sleeps in whole seconds: a reader that meets the writer mid-commit waits a full
    /// second (bench/README.md measured p99 near one second). The system library sleeps in
    /// milliseconds. Where it cannot be loaded, the bundled library is used as before.
    /// </summary>
    static void UseSystemSqliteWhereAvailable()
    {
        if (Interlocked.Exchange(ref _nativeChosen, 1) == 1) return;
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libsqlite3.so.0", out var system)) return;
        NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly,
            (name, _, _) => name == "e_sqlite3" ? system : IntPtr.Zero);
    }

    /// <summary>The SQLite library version in use (for the start-up log).</summary>
    public static string SqliteVersion => SQLitePCL.raw.sqlite3_libversion().utf8_to_string();

    /// <summary>True when <paramref name="e"/> is a unique-constraint violation in either engine.</summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        _writerGate.Dispose();
    }
}
