using Dapper;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Admin;
using EventPortal.Web.Outbox;
using EventPortal.Web.Reminders;

namespace EventPortal.Tests.Outbox;

/// <summary>
/// The outbox's index by event leaves out each registration's first mail (migration 0025), so a rush writes one index
/// entry less per registration. A query by event may use the index only when it repeats the index's condition
/// (<see cref="OutboxRows.ByEventIndexed"/>); otherwise it reads the whole outbox.
/// </summary>
public sealed class OutboxEventIndexTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_query_by_event_uses_the_index_when_it_repeats_the_condition_and_reads_the_table_when_it_does_not(string engine)
    {
        await using var app = await PortalApp.StartOnAsync(engine);
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        var sqlite = engine == "sqlite";
        // PostgreSQL would read a table this small whole anyway: only a plan it cannot make without the index uses it.
        if (!sqlite) await connection.ExecuteAsync("SET enable_seqscan = off");

        var args = new { eventId = 1L, Id = 1L, now = DateTime.UtcNow };
        async Task<string> PlanAsync(string sql) => sqlite
            ? string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, args)).Select(row => (string)row.detail))
            : string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql, args));

        // The app's queries by event.
        foreach (var (name, sql) in new[]
                 {
                     ("MailProgress.Batches", MailProgress.Batches), ("MailProgress.Plans", MailProgress.Plans),
                     ("ReminderFanOut.DropPlans", ReminderFanOut.DropPlans), ("ReminderRules.DropPlanned", ReminderRules.DropPlanned),
                     ("AttendancePageModel.LastImportSql", AttendancePageModel.LastImportSql),
                 })
        {
            var plan = await PlanAsync(sql);
            Assert.True(plan.Contains("outbox_event", StringComparison.Ordinal), $"{name} does not use outbox_event:\n{plan}");
        }

        var byEvent = $"SELECT id, status FROM outbox WHERE event_id = 1 AND kind = '{OutboxRows.Kinds.Reminder}'";
        Assert.Contains("outbox_event", await PlanAsync($"{byEvent} AND {OutboxRows.ByEventIndexed}"));
        // SQLite needs the condition word for word. (PostgreSQL proves it from a kind written as a literal, as here, but
        // not from one passed as a parameter of a generic plan: the condition spares the queries that difference.)
        if (sqlite) Assert.DoesNotContain("outbox_event", await PlanAsync(byEvent));
        // The first mail of a registration is not in the index, so its condition keeps such a query off it.
        Assert.DoesNotContain("outbox_event", await PlanAsync(
            $"SELECT id FROM outbox WHERE event_id = 1 AND kind = '{OutboxRows.Kinds.Confirmed}'"));
    }
}
