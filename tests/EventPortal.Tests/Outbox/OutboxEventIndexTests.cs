using System.Text.RegularExpressions;
using Dapper;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Admin;
using EventPortal.Web.Outbox;
using EventPortal.Web.Reminders;

namespace EventPortal.Tests.Outbox;

/// <summary>
/// The outbox's index by event leaves out each registration's first mail (migration 0025), and so does its index by
/// registration (PostgreSQL 0026, SQLite 0028), so a rush writes two index entries less per registration. A query may use such an
/// index only when it repeats the index's condition (<see cref="OutboxRows.NotFirstMail"/>); otherwise it reads the whole
/// outbox.
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
        // PostgreSQL would read a table this small whole anyway: only a plan it cannot make without the index uses it. And
        // it plans with the parameters' values where it can, which would prove a kind's condition from its value: the
        // queries are prepared and planned generically instead, as a statement run often may be.
        if (!sqlite) await connection.ExecuteAsync("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan");

        var args = new { eventId = 1L, Id = 1L, now = DateTime.UtcNow, registrationId = 1L, kind = OutboxRows.Kinds.Reminder };
        var values = new Dictionary<string, string>   // the same, as PostgreSQL's EXECUTE takes them
        {
            ["eventId"] = "1", ["Id"] = "1", ["registrationId"] = "1", ["now"] = "now()", ["kind"] = $"'{OutboxRows.Kinds.Reminder}'",
        };
        var prepared = 0;
        async Task<string> PlanAsync(string sql)
        {
            if (sqlite)
                return string.Join("\n",
                    (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, args)).Select(row => (string)row.detail));
            var passed = new List<string>();
            var text = Regex.Replace(sql, @"@(\w+)", m =>
            {
                passed.Add(values[m.Groups[1].Value]);
                return "$" + passed.Count;
            });
            var name = $"plan_{++prepared}";
            await connection.ExecuteAsync($"PREPARE {name} AS {text}");
            var execute = passed.Count == 0 ? name : $"{name}({string.Join(", ", passed)})";
            return string.Join("\n", await connection.QueryAsync<string>($"EXPLAIN EXECUTE {execute}"));
        }

        // The app's queries by event, and by registration.
        foreach (var (name, sql, index) in new[]
                 {
                     ("MailProgress.Batches", MailProgress.Batches, "outbox_event"),
                     ("MailProgress.Plans", MailProgress.Plans, "outbox_event"),
                     ("ReminderFanOut.DropPlans", ReminderFanOut.DropPlans, "outbox_event"),
                     ("ReminderRules.DropPlanned", ReminderRules.DropPlanned, "outbox_event"),
                     ("AttendancePageModel.LastImportSql", AttendancePageModel.LastImportSql, "outbox_event"),
                     ("ReminderRules.DropForRegistration", ReminderRules.DropForRegistration, "outbox_registration"),
                 })
        {
            var plan = await PlanAsync(sql);
            Assert.True(plan.Contains(index, StringComparison.Ordinal), $"{name} does not use {index}:\n{plan}");
        }

        // The index by registration holds no first mail either (PostgreSQL since 0026, SQLite since its outbox lost its
        // foreign keys in 0028).
        Assert.DoesNotContain("outbox_registration", await PlanAsync(
            $"SELECT id FROM outbox WHERE registration_id = 1 AND kind = '{OutboxRows.Kinds.Confirmed}'"));

        var byEvent = $"SELECT id, status FROM outbox WHERE event_id = 1 AND kind = '{OutboxRows.Kinds.Reminder}'";
        Assert.Contains("outbox_event", await PlanAsync($"{byEvent} AND {OutboxRows.NotFirstMail}"));
        // SQLite needs the condition word for word. (PostgreSQL proves it from a kind written as a literal, as here, but
        // not from one passed as a parameter of a generic plan: the condition spares the queries that difference.)
        if (sqlite) Assert.DoesNotContain("outbox_event", await PlanAsync(byEvent));
        // The first mail of a registration is not in the index, so its condition keeps such a query off it.
        Assert.DoesNotContain("outbox_event", await PlanAsync(
            $"SELECT id FROM outbox WHERE event_id = 1 AND kind = '{OutboxRows.Kinds.Confirmed}'"));
    }
}
