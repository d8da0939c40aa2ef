using System.Data;
using System.Data.Common;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace EventPortal.Web.Data;

/// <summary>
/// The SQLite writer behind <see cref="Db.WriteAsync{T}"/>: one connection, one thread, group commit.
/// Callers queue their work on a channel; the loop takes every write waiting (up to
/// <see cref="MaxGroup"/>), runs each in a savepoint of its own inside one transaction, commits
/// once, and only then answers each caller. A failed COMMIT or rollback fails that group and
/// reopens the connection; the loop itself survives.
/// </summary>
public sealed partial class Db
{
    void EnsureWriterLoop()
    {
        if (_writerLoop is not null) return;
        lock (_loopGate)
        {
            if (_writerLoop is not null) return;
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _writerLoop = stopped.Task;
            new Thread(() =>
            {
                try { WriterLoop(); }
                finally { stopped.TrySetResult(); }
            }) { IsBackground = true, Name = "SQLite writer" }.Start();
        }
    }

    /// <summary>
    /// The SQLite writer, on a thread of its own: takes every write waiting (up to <see cref="MaxGroup"/>) and commits them
    /// together. Every write of the app waits for this one thread, so it neither waits for a turn on the thread pool nor
    /// shares the CPU evenly with the threads that parse requests: it asks the OS for a higher priority
    /// (<see cref="DatabaseOptions.WriterNice"/>; bench/README.md, "The writer's own thread"). The work it runs completes
    /// synchronously on SQLite; work that awaits something else holds the writer until it is done, as it did before.
    /// </summary>
    void WriterLoop()
    {
        SetWriterPriority();
        var group = new List<PendingWrite>(MaxGroup);
        while (true)
        {
            group.Clear();
            // Each write starts only when its turn in the group comes (CommitGroupAsync): until then its caller can still
            // give up, even behind a slow write of the same group.
            while (group.Count < MaxGroup && _pending.Reader.TryRead(out var write)) group.Add(write);
            if (group.Count == 0)
            {
                if (_pending.Reader.Completion.IsCompleted) return;
                // Reset, then look again: a write queued after the look above set the signal before this reset or after it.
                _queued.Reset();
                if (!_pending.Reader.TryPeek(out _) && !_pending.Reader.Completion.IsCompleted) _queued.Wait();
                continue;
            }
            try
            {
                CommitGroupAsync(group).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                // Whatever went wrong, the loop must go on: answer everyone still waiting, start a fresh connection.
                foreach (var write in group) write.Fail(e);
                ResetWriter();
            }
        }
    }

    /// <summary>Queues a write for the writer thread and wakes it.</summary>
    void Enqueue(PendingWrite write)
    {
        EnsureWriterLoop();
        if (!_pending.Writer.TryWrite(write)) throw new ObjectDisposedException(nameof(Db));
        _queued.Set();
    }

    /// <summary>
    /// Linux: gives the calling thread (the writer) the nice value of <see cref="DatabaseOptions.WriterNice"/>;
    /// <c>setpriority</c> with a thread's id sets that thread alone. Going below the process's own value needs
    /// CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd: <c>LimitNICE=</c>); refused, the writer keeps the
    /// process's priority and the app says so once.
    /// </summary>
    void SetWriterPriority()
    {
        if (_writerNice == 0 || !OperatingSystem.IsLinux()) return;
        int result, error;
        try
        {
            result = SetPriority(PriorityOfProcess, GetThreadId(), _writerNice);
            error = Marshal.GetLastPInvokeError();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            (result, error) = (-1, 0);
        }
        if (result != 0)
            _logger.LogInformation("The SQLite writer keeps the process's priority: nice {Nice} was refused (errno {Errno})",
                _writerNice, error);
    }

    const int PriorityOfProcess = 0;   // PRIO_PROCESS: with a thread's id, that thread on Linux
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)] static extern int SetPriority(int which, int who, int prio);
    [DllImport("libc", EntryPoint = "gettid")] static extern int GetThreadId();

    /// <summary>
    /// One transaction for the group; each write in a savepoint of its own (when there are
    /// several), rolled back alone if it throws. Callers hear back after the COMMIT.
    /// </summary>
    async Task CommitGroupAsync(List<PendingWrite> group)
    {
        var writer = await GetWriterAsync(CancellationToken.None);
        var statements = _statements!;
        // Microsoft.Data.Sqlite issues BEGIN IMMEDIATE: the write lock is taken up front.
        var tx = writer.BeginTransaction();
        var alone = group.Count == 1;
        var done = new List<PendingWrite>(group.Count);
        var committed = false;
        try
        {
            foreach (var write in group)
            {
                if (!write.TryStart()) continue;   // its caller gave up while it waited: it never runs
                try
                {
                    if (!alone) Run(statements, tx, "SAVEPOINT w");
                    await write.RunAsync(statements, tx);
                    if (!alone) Run(statements, tx, "RELEASE w");
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

    /// <summary>
    /// A savepoint's statement through the writer's prepared commands: <c>SqliteTransaction.Save</c> and <c>Release</c> parse
    /// theirs again on every call, twice for every write of a group.
    /// </summary>
    static void Run(PreparingConnection statements, SqliteTransaction tx, string sql)
    {
        var command = statements.For(sql, out var cached);
        command.Transaction = tx;
        command.ExecuteNonQuery();
        if (!cached) command.Dispose();
    }

    void TellListeners(DbTransaction tx)
    {
        if (!CommitNotices.Take(tx)) return;
        foreach (var listener in _listeners) listener.Committed();
    }

    void ResetWriter()
    {
        try { _statements?.Dispose(); _writer?.Dispose(); } catch (Exception) { /* already broken */ }
        (_statements, _writer) = (null, null);
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
    /// writer loop itself; until the loop starts it (its turn in its group), the caller's token cancels it at once.
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
        ResetWriter();
        // The writer is not pooled: it lives as long as the app, and so do its prepared statements.
        _writer = new SqliteConnection(_sqliteConnectionString + ";Pooling=False");
        await _writer.OpenAsync(ct);
        await PrepareSqliteAsync(_writer, writer: true, ct);
        _statements = new PreparingConnection(_writer);
        return _writer;
    }
}
