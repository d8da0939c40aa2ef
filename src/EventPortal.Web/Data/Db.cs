using System.Data;
using System.Data.Common;
using System.Runtime.InteropServices;
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
public sealed class Db : IAsyncDisposable
{
    readonly NpgsqlDataSource? _postgres;
    readonly string? _sqliteConnectionString;
    /// <summary>Most writes committed in one SQLite transaction (bench/README.md, "group commit").</summary>
    const int MaxGroup = 64;
    readonly Channel<PendingWrite> _pending = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    readonly Lock _loopGate = new();
    Task? _writerLoop;
    SqliteConnection? _writer;
    long _commits, _groupedWrites;
    readonly ICommitListener[] _listeners;

    /// <summary>SQLite: COMMITs made and writes they carried (the difference is what group commit saved).</summary>
    public (long Commits, long Writes) WriterStatistics => (Interlocked.Read(ref _commits), Interlocked.Read(ref _groupedWrites));

    public DbProvider Provider { get; }

    public Db(IOptions<DatabaseOptions> options, IOptions<PortalOptions> portal, IConfiguration configuration,
        IEnumerable<ICommitListener> listeners)
    {
        Provider = options.Value.Provider;
        _listeners = listeners.ToArray();
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
                CommitNotices.Take(tx);   // Npgsql reuses a connection's transaction object: no mark from an earlier one
                try
                {
                    var result = await work(connection, tx);
                    await tx.CommitAsync(ct);
                    TellListeners(tx);
                    return result;
                }
                catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
                {
                    await tx.RollbackAsync(CancellationToken.None);
                    await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
                }
            }
        }

        ct.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, ct);
        EnsureWriterLoop();
        if (!_pending.Writer.TryWrite(write)) throw new ObjectDisposedException(nameof(Db));
        return await write.Task;
    }

    void EnsureWriterLoop()
    {
        if (_writerLoop is not null) return;
        lock (_loopGate) _writerLoop ??= Task.Run(WriterLoopAsync);
    }

    /// <summary>The SQLite writer: takes every write waiting (up to <see cref="MaxGroup"/>) and commits them together.</summary>
    async Task WriterLoopAsync()
    {
        var group = new List<PendingWrite>(MaxGroup);
        while (await _pending.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && _pending.Reader.TryRead(out var write))
                if (write.TryStart()) group.Add(write);   // a caller that gave up while waiting is dropped here
            if (group.Count == 0) continue;
            try
            {
                await CommitGroupAsync(group);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the loop must go on: answer everyone still waiting, start a fresh connection.
                foreach (var write in group) write.Fail(e);
                ResetWriter();
            }
        }
    }

    /// <summary>
    /// One transaction for the group; each write in a savepoint of its own (when there are
    /// several), rolled back alone if it throws. Callers hear back after the COMMIT.
    /// </summary>
    async Task CommitGroupAsync(List<PendingWrite> group)
    {
        var writer = await GetWriterAsync(CancellationToken.None);
        // Microsoft.Data.Sqlite issues BEGIN IMMEDIATE: the write lock is taken up front.
        var tx = writer.BeginTransaction();
        var alone = group.Count == 1;
        var done = new List<PendingWrite>(group.Count);
        var committed = false;
        try
        {
            foreach (var write in group)
            {
                try
                {
                    if (!alone) tx.Save("w");
                    await write.RunAsync(writer, tx);
                    if (!alone) tx.Release("w");
                    done.Add(write);
                }
                catch (Exception e)
                {
                    if (alone) tx.Rollback();
                    else { tx.Rollback("w"); tx.Release("w"); }
                    write.Fail(e);
                }
            }
            // A lone write that failed was rolled back already; anything else commits.
            if (done.Count > 0) { tx.Commit(); committed = true; }
        }
        catch (Exception e)
        {
            // A failed savepoint rollback or COMMIT: nothing of this group is committed.
            foreach (var write in group) write.Fail(e);
            try { tx.Dispose(); } catch (Exception) { /* the connection is reset below */ }
            ResetWriter();
            return;
        }
        try { tx.Dispose(); } catch (Exception) { ResetWriter(); }
        if (committed)
        {
            Interlocked.Increment(ref _commits);
            Interlocked.Add(ref _groupedWrites, done.Count);
            TellListeners(tx);
        }
        foreach (var write in done) write.Complete();
    }

    void TellListeners(DbTransaction tx)
    {
        if (!CommitNotices.Take(tx)) return;
        foreach (var listener in _listeners) listener.Committed();
    }

    void ResetWriter()
    {
        try { _writer?.Dispose(); } catch (Exception) { /* already broken */ }
        _writer = null;
    }

    abstract class PendingWrite
    {
        /// <summary>False when the caller cancelled while the write was waiting (it never runs then).</summary>
        public abstract bool TryStart();
        public abstract Task RunAsync(DbConnection connection, DbTransaction tx);
        public abstract void Complete();
        public abstract void Fail(Exception e);
    }

    /// <summary>
    /// One caller's write. Its task completes after the COMMIT that includes it, never on the
    /// writer loop itself; until the loop starts it, the caller's token cancels it at once.
    /// </summary>
    sealed class PendingWrite<T> : PendingWrite
    {
        const int Waiting = 0, Started = 1, Cancelled = 2;
        readonly Func<DbConnection, DbTransaction, Task<T>> _work;
        readonly CancellationToken _ct;
        readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly CancellationTokenRegistration _registration;
        int _state;
        T _result = default!;

        public PendingWrite(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
        {
            (_work, _ct) = (work, ct);
            _registration = ct.Register(static o =>
            {
                var self = (PendingWrite<T>)o!;
                if (Interlocked.CompareExchange(ref self._state, Cancelled, Waiting) == Waiting) self._done.TrySetCanceled(self._ct);
            }, this);
        }

        public Task<T> Task => _done.Task;
        public override bool TryStart()
        {
            var started = Interlocked.CompareExchange(ref _state, Started, Waiting) == Waiting;
            if (!started) _registration.Dispose();
            return started;
        }
        public override async Task RunAsync(DbConnection connection, DbTransaction tx) => _result = await _work(connection, tx);
        public override void Complete() { _registration.Dispose(); _done.TrySetResult(_result); }
        public override void Fail(Exception e) { _registration.Dispose(); _done.TrySetException(e); }
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
        _pending.Writer.TryComplete();
        if (_writerLoop is not null) await _writerLoop;
        if (_writer is not null) await _writer.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
