using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventPortal.Web.Data;

public enum DbProvider { Sqlite, Postgres }

public sealed class DatabaseOptions
{
    public const string Section = "EventPortal:Database";
    public DbProvider Provider { get; set; } = DbProvider.Sqlite;

    /// <summary>
    /// SQLite, on Linux: the nice value the writer's thread asks for (−20 to 19; 0 leaves it as the process's). Every write
    /// waits for that one thread, so by default it goes ahead of the threads that parse requests (bench/README.md).
    /// </summary>
    public int WriterNice { get; set; } = -10;

    public static IEnumerable<string> Validate(DatabaseOptions o)
    {
        if (o.WriterNice is < -20 or > 19) yield return $"{Section}:WriterNice must be between -20 and 19 (a Linux nice value).";
    }
}

/// <summary>
/// The one door to the database. Reads get a pooled connection each; writes go through
/// <see cref="WriteAsync{T}"/>, which on SQLite funnels every transaction through one shared
/// connection worked by one loop. The bundled e_sqlite3 busy handler sleeps in whole seconds
/// (no HAVE_USLEEP), so letting pooled connections fight over the write lock costs up to a
/// second per collision; a single writer costs nothing and still lets WAL readers run.
/// Under load the loop commits the writes waiting for it together (group commit): each runs in
/// its own savepoint, so each is still all-or-nothing and fails alone, and each caller hears
/// back only after the shared COMMIT.
/// On PostgreSQL each write is its own pooled connection and transaction, and row locks do
/// the serialising across any number of app instances.
/// After a COMMIT, the listeners hear of it when the work asked (<see cref="CommitNotices"/>).
/// </summary>
public sealed partial class Db : IAsyncDisposable
{
    readonly NpgsqlDataSource? _postgres;
    readonly string? _sqliteConnectionString;
    /// <summary>Most writes committed in one SQLite transaction (bench/README.md, "group commit").</summary>
    const int MaxGroup = 64;
    readonly Channel<PendingWrite> _pending = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    readonly Lock _loopGate = new();
    readonly ManualResetEventSlim _queued = new(false, spinCount: 0);   // set when a write is queued (Db.SqliteWriter.cs)
    Task? _writerLoop;   // completes when the writer's thread has stopped
    SqliteConnection? _writer;
    PreparingConnection? _statements;   // the writer as the work sees it (Db.PreparedStatements.cs)
    long _commits, _groupedWrites;
    readonly ICommitListener[] _listeners;
    readonly int _writerNice;
    readonly ILogger<Db> _logger;

    /// <summary>SQLite: COMMITs made and writes they carried (the difference is what group commit saved).</summary>
    public (long Commits, long Writes) WriterStatistics => (Interlocked.Read(ref _commits), Interlocked.Read(ref _groupedWrites));

    public DbProvider Provider { get; }

    public Db(IOptions<DatabaseOptions> options, IOptions<PortalOptions> portal, IConfiguration configuration,
        IEnumerable<ICommitListener> listeners, ILogger<Db> logger)
    {
        Provider = options.Value.Provider;
        (_writerNice, _logger) = (options.Value.WriterNice, logger);
        _listeners = listeners.ToArray();
        var configured = configuration.GetConnectionString("EventPortal");
        if (Provider == DbProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(configured))
                throw new InvalidOperationException(
                    "ConnectionStrings:EventPortal is required when EventPortal:Database:Provider is Postgres.");
            // Statements run again and again (every registration runs the same few): let Npgsql prepare them
            // on the server after a second use, unless the connection string says otherwise.
            var builder = new NpgsqlConnectionStringBuilder(configured);
            if (!configured.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)) builder.MaxAutoPrepare = 64;
            _postgres = NpgsqlDataSource.Create(builder.ConnectionString);
        }
        else
        {
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
                CommitNotices.Take(tx);   // Npgsql reuses a connection's transaction object: no mark from an earlier one
                try
                {
                    var result = await work(connection, tx);
                    await tx.CommitAsync(ct);
                    TellListeners(tx);
                    return result;
                }
                catch (PostgresException e) when (attempt < 5
                    && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
                {
                    await tx.RollbackAsync(CancellationToken.None);
                    await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
                }
            }
        }

        ct.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, ct);
        Enqueue(write);
        return await write.Task;
    }

    static async Task PrepareSqliteAsync(SqliteConnection connection, bool writer, CancellationToken ct)
    {
        // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode survives a
        // process crash (the case we design for); only an OS crash or power loss can lose
        // the last transactions. FULL costs about ten times the write throughput.
        // temp_store=MEMORY: each write of a group runs in a savepoint, whose statement journal was a temp file
        // otherwise, written page by page (bench/README.md). Readers (opened per request from the pool) only need the
        // busy timeout.
        await using var command = connection.CreateCommand();
        command.CommandText = writer
            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
              + " PRAGMA temp_store=MEMORY;"
            : "PRAGMA busy_timeout=10000;";
        await command.ExecuteNonQueryAsync(ct);
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
        _pending.Writer.TryComplete();
        _queued.Set();
        if (_writerLoop is not null) await _writerLoop;
        _statements?.Dispose();
        if (_writer is not null) await _writer.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
