using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Data;
using EventPortal.Web.Reminders;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Reminders;

/// <summary>
/// A mail rule still ahead is one plan row, written out for everyone registered when it is due; a registration writes
/// a reminder row itself only for a late rule already past, planned from the copy of the event's rules that the
/// registration path keeps for a second. That row is written only while the copy's plan version is still the event's,
/// so a registration just after the organiser changed the rules is planned by the new ones.
/// </summary>
public sealed class ReminderPlanTests
{
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    static readonly DateTimeOffset Now = new(2030, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_registration_right_after_the_rules_changed_is_planned_by_the_new_rules(string engine)
    {
        var clock = new TestClock(Now);
        await using var app = await PortalApp.StartOnAsync(engine, Organisers.Bootstrap(), clock);
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "before@example.jp");   // the registration path now holds the event and its rules
        Assert.Equal(0, await RemindersOfAsync(app, "before@example.jp"));   // the default rules are all ahead
        Assert.Equal(3, await app.RemindersOwedAsync(await IdAsync(app, "before@example.jp")));

        // A late rule whose time has passed: owed at once to whoever registers from now on.
        using var api = app.Api();
        var put = await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders",
            new[] { new { offsetMinutes = -60 * 24 * 40, audience = "live", late = true } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT plan_version FROM events WHERE slug = @slug", new { slug }));
        await client.RegisteredAsync(slug, "after@example.jp");

        // (Due at once, so the dispatcher may be at it already: counted, not read for its due time.)
        Assert.Equal(1, await RemindersOfAsync(app, "after@example.jp"));
        Assert.Equal(0, await RemindersOfAsync(app, "before@example.jp"));   // the rule's time had passed for them
        Assert.Empty(await app.RulesAheadAsync(Now.UtcDateTime));
    }

    [Fact]
    public async Task A_registration_owed_more_rows_than_one_statement_holds_gets_every_one()
    {
        var clock = new TestClock(Now);
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(), clock: clock);
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var api = app.Api();
        var rules = Enumerable.Range(1, 10).Select(h => new { offsetMinutes = -60 * 24 * 40 - 60 * h, audience = "all", late = true })
            .ToArray();
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", rules)).StatusCode);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "many@example.jp");

        // The confirmation and ten late reminders: eleven rows, written by two statements of at most eight rows.
        Assert.Equal(10, await RemindersOfAsync(app, "many@example.jp"));
        Assert.Equal(10, (await app.QueryAsync<string>("SELECT DISTINCT dedupe_key FROM outbox WHERE kind = 'mail.reminder'")).Count);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_confirmed'"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_rule_due_writes_its_reminders_for_everyone_registered_by_then_in_one_go(string engine)
    {
        var clock = new TestClock(Now);
        await using var app = await PortalApp.StartOnAsync(engine, Organisers.Bootstrap(), clock);
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "live@example.jp");
        await client.RegisteredAsync(slug, "recording@example.jp", "recording");
        // Erased before the rule is due (on request, or by the retention purge racing a late plan row): no row for them.
        await client.RegisteredAsync(slug, "erased@example.jp");
        await app.MarkErasedAsync("erased@example.jp");
        var db = app.Services.GetRequiredService<Db>();
        Task<bool> FanOutAsync(long eventId, long rule, DateTime now) =>
            db.WriteAsync((c, tx) => ReminderFanOut.FanOutAsync(c, tx, eventId, rule, now, default), default);

        // The hour-before rule (live tickets) is due: its plan row writes the live seat's reminder, due then.
        var rule = await app.QueryOneAsync<long>("SELECT id FROM reminder_rules WHERE offset_minutes = -60");
        var eventId = await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug });
        Assert.True(await FanOutAsync(eventId, rule, Start.AddMinutes(-59)));
        Assert.Equal([("live@example.jp", Start.AddHours(-1))], await app.QueryAsync<(string, DateTime)>("""
            SELECT r.email, o.due_at FROM outbox o JOIN registrations r ON r.id = o.registration_id WHERE o.kind = 'mail.reminder'
            """));
        // Run again (a repeat after a crash), it writes nothing twice; before its time, it writes nothing.
        Assert.True(await FanOutAsync(eventId, rule, Start.AddMinutes(-59)));
        var dayBefore = await app.QueryOneAsync<long>("SELECT id FROM reminder_rules WHERE audience = 'all'");
        Assert.False(await FanOutAsync(eventId, dayBefore, Now.UtcDateTime));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.reminder'"));
    }

    [Fact]
    public async Task Rules_ahead_without_a_plan_row_get_one_at_start_up()
    {
        var clock = new TestClock(Now);
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(), clock: clock);
        var slug = await app.CreateEventAsync(startsAt: Start);
        var planned = await app.RulesAheadAsync(Now.UtcDateTime);
        Assert.Equal(3, planned.Count);
        // As an event planned before plan rows existed: its registrations wrote their own rows, it has no plan rows.
        await app.ExecuteAsync("DELETE FROM outbox WHERE kind = 'plan.reminder'");

        await ReminderFanOut.EnsurePlannedAsync(app.Services.GetRequiredService<Db>(), Now.UtcDateTime, default);
        await ReminderFanOut.EnsurePlannedAsync(app.Services.GetRequiredService<Db>(), Now.UtcDateTime, default);

        Assert.Equal(planned, await app.RulesAheadAsync(Now.UtcDateTime));
        Assert.Equal(3, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'plan.reminder'"));
    }

    static Task<int> RemindersOfAsync(PortalApp app, string email) => app.QueryOneAsync<int>("""
        SELECT COUNT(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id WHERE o.kind = 'mail.reminder' AND r.email = @email
        """, new { email });

    static Task<long> IdAsync(PortalApp app, string email) =>
        app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email = @email", new { email });
}
