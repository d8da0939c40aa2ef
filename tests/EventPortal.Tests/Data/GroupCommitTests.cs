using Dapper;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Data;

namespace EventPortal.Tests.Data;

/// <summary>
/// The SQLite writer commits waiting writes together; each must still be all-or-nothing on its
/// own, fail alone, and be reported only after the COMMIT that carries it.
/// </summary>
public sealed class GroupCommitTests
{
    static Task<PortalApp> StartQuietAsync() =>
        // No dispatcher: its claims would be writes of their own in the counts below.
        PortalApp.StartSqliteAsync(settings: new Dictionary<string, string?> { ["EventPortal:Outbox:DispatcherEnabled"] = "false" });

    [Fact]
    public async Task Concurrent_writes_share_commits_yet_each_one_commits_or_rolls_back_alone()
    {
        await using var app = await StartQuietAsync();
        await app.Db.WriteAsync(
            (c, tx) => c.ExecuteAsync("CREATE TABLE group_test (n INTEGER PRIMARY KEY, note TEXT NOT NULL)", transaction: tx),
            CancellationToken.None);
        var before = app.Db.WriterStatistics;

        // 300 writers at once; each inserts two rows, and every tenth then fails (a duplicate key):
        // its two rows must vanish, everyone else's must stay.
        var writes = Enumerable.Range(0, 300).Select(i => app.Db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(
                "INSERT INTO group_test (n, note) VALUES (@a, 'first'), (@b, 'second')", new { a = i * 2, b = i * 2 + 1 }, tx);
            if (i % 10 == 0) await c.ExecuteAsync("INSERT INTO group_test (n, note) VALUES (@a, 'duplicate')", new { a = i * 2 }, tx);
            return i;
        }, CancellationToken.None)).ToList();
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try { return (await w, (Exception?)null); } catch (Exception e) { return (-1, e); }
        }));

        Assert.Equal(30, outcomes.Count(o => o.Item2 is not null));
        Assert.All(
            outcomes.Where(o => o.Item2 is not null),
            o => Assert.True(Web.Data.Db.IsUniqueViolation(o.Item2!), o.Item2!.ToString()));
        var rows = await app.QueryAsync<long>("SELECT n FROM group_test ORDER BY n");
        var expected = Enumerable.Range(0, 300).Where(i => i % 10 != 0).SelectMany(i => new long[] { i * 2, i * 2 + 1 });
        Assert.Equal(expected, rows);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM group_test WHERE note = 'duplicate'"));

        var after = app.Db.WriterStatistics;
        Assert.Equal(270, after.Writes - before.Writes);
        Assert.True(after.Commits - before.Commits < 270, $"{after.Commits - before.Commits} commits for 270 writes: no group formed");
    }

    [Fact]
    public async Task A_caller_waiting_behind_a_slow_write_can_give_up_at_once_and_its_write_never_runs()
    {
        await using var app = await StartQuietAsync();
        await app.Db.WriteAsync(
            (c, tx) => c.ExecuteAsync("CREATE TABLE cancel_test (n INTEGER PRIMARY KEY)", transaction: tx), CancellationToken.None);
        var release = new TaskCompletionSource();
        try
        {
            // Hold the writer so the next write has to wait: queued, or taken into the same group behind the slow one
            // (when the loop wakes to find both), where it may still be given up until its turn.
            var holder = app.Db.WriteAsync(async (c, tx) => { await release.Task; return 0; }, CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            var waiting = app.Db.WriteAsync((c, tx) => c.ExecuteAsync("INSERT INTO cancel_test (n) VALUES (1)", transaction: tx),
                cancel.Token);
            cancel.Cancel();
            // Answered while the slow write still holds the writer, not when it lets go.
            var first = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.Same(waiting, first);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            release.SetResult();
            await holder;
        }
        finally
        {
            // A failed assertion must fail the test, not leave the writer held and the app's shutdown waiting for it.
            release.TrySetResult();
        }
        // The writer goes on working after all that.
        await app.Db.WriteAsync(
            (c, tx) => c.ExecuteAsync("INSERT INTO cancel_test (n) VALUES (2)", transaction: tx), CancellationToken.None);
        Assert.Equal([2L], await app.QueryAsync<long>("SELECT n FROM cancel_test"));
    }

    [Fact]
    public async Task A_write_taken_into_a_group_behind_a_slow_one_can_still_be_given_up_until_its_turn()
    {
        await using var app = await StartQuietAsync();
        await app.Db.WriteAsync(
            (c, tx) => c.ExecuteAsync("CREATE TABLE group_cancel_test (n INTEGER PRIMARY KEY)", transaction: tx), CancellationToken.None);
        TaskCompletionSource first = new(), second = new();
        TaskCompletionSource firstRuns = new(TaskCreationOptions.RunContinuationsAsynchronously),
            secondRuns = new(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // While a first slow write holds the writer, a second slow one and a quick one queue up; once the first is
            // done, the writer takes both into one group, the slow one first.
            var one = app.Db.WriteAsync(async (c, tx) => { firstRuns.TrySetResult(); await first.Task; return 0; }, CancellationToken.None);
            await firstRuns.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var two = app.Db.WriteAsync(async (c, tx) => { secondRuns.TrySetResult(); await second.Task; return 0; }, CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            var waiting = app.Db.WriteAsync((c, tx) => c.ExecuteAsync("INSERT INTO group_cancel_test (n) VALUES (1)", transaction: tx),
                cancel.Token);
            first.SetResult();
            await one;
            await secondRuns.Task.WaitAsync(TimeSpan.FromSeconds(10));

            cancel.Cancel();
            var answered = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.Same(waiting, answered);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            second.SetResult();
            await two;
            Assert.Empty(await app.QueryAsync<long>("SELECT n FROM group_cancel_test"));
        }
        finally
        {
            first.TrySetResult();
            second.TrySetResult();
        }
    }

    [Fact]
    public async Task A_write_that_breaks_its_own_transaction_fails_alone_and_the_writer_carries_on()
    {
        await using var app = await StartQuietAsync();
        await app.Db.WriteAsync(
            (c, tx) => c.ExecuteAsync("CREATE TABLE broken_test (n INTEGER PRIMARY KEY)", transaction: tx), CancellationToken.None);
        // COMMIT inside the work ends the transaction under the writer's feet: its rollback and commit then fail.
        var breaker = app.Db.WriteAsync((c, tx) => c.ExecuteAsync("COMMIT", transaction: tx), CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() => breaker);
        var after = await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
            app.Db.WriteAsync(
                (c, tx) => c.ExecuteAsync("INSERT INTO broken_test (n) VALUES (@i)", new { i }, tx), CancellationToken.None)));
        Assert.All(after, n => Assert.Equal(1, n));
        Assert.Equal(20, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM broken_test"));
    }

    [Fact]
    public async Task Writes_run_on_the_writers_own_thread_at_the_nice_value_it_was_given()
    {
        // 5: a nice value above the process's own is granted to any user (the default, −10, needs CAP_SYS_NICE).
        await using var app = await PortalApp.StartSqliteAsync(settings: new Dictionary<string, string?>
        {
            ["EventPortal:Outbox:DispatcherEnabled"] = "false",
            ["EventPortal:Database:WriterNice"] = "5",
        });
        var (name, pooled, stat) = await app.Db.WriteAsync((c, tx) => Task.FromResult(
            (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, File.ReadAllText("/proc/thread-self/stat"))),
            CancellationToken.None);
        Assert.Equal("SQLite writer", name);
        Assert.False(pooled);
        // proc(5): the fields after the command name in parentheses are numbered from 3; the nice value is field 19.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal("5", fields[19 - 3]);
        // The caller's continuation is not run on the writer's thread.
        Assert.NotEqual("SQLite writer", Thread.CurrentThread.Name);
    }

    [Fact]
    public void A_writer_nice_value_outside_Linuxs_range_is_refused_at_start()
    {
        Assert.Empty(DatabaseOptions.Validate(new DatabaseOptions { WriterNice = -20 }));
        Assert.Empty(DatabaseOptions.Validate(new DatabaseOptions { WriterNice = 19 }));
        Assert.Contains(DatabaseOptions.Validate(new DatabaseOptions { WriterNice = 20 }),
            p => p.Contains("EventPortal:Database:WriterNice", StringComparison.Ordinal));
        Assert.Single(DatabaseOptions.Validate(new DatabaseOptions { WriterNice = -21 }));
    }
}
