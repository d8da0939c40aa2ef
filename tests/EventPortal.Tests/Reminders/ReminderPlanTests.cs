using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Reminders;

/// <summary>
/// A registration plans its reminders from the copy of the event's rules that the registration path keeps for a
/// second; the row is written only while the copy's plan version is still the event's, so a registration just after
/// the organiser changed the rules is planned by the new ones.
/// </summary>
public sealed class ReminderPlanTests
{
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_registration_right_after_the_rules_changed_is_planned_by_the_new_rules(string engine)
    {
        var clock = new TestClock(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
        await using var app = await PortalApp.StartOnAsync(engine, Organisers.Bootstrap(), clock);
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "before@example.jp");   // the registration path now holds the event and its rules
        Assert.Equal(3, await RemindersOfAsync(app, "before@example.jp"));

        using var api = app.Api();
        var put = await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", new[] { new { offsetMinutes = -30, audience = "live" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT plan_version FROM events WHERE slug = @slug", new { slug }));
        await client.RegisteredAsync(slug, "after@example.jp");

        // Both are owed the one new rule, half an hour before the start, and nothing else.
        foreach (var email in new[] { "before@example.jp", "after@example.jp" })
            Assert.Equal([Start.AddMinutes(-30)], await app.QueryAsync<DateTime>("""
                SELECT o.due_at FROM outbox o JOIN registrations r ON r.id = o.registration_id
                WHERE o.kind = 'mail.reminder' AND r.email = @email
                """, new { email }));
    }

    [Fact]
    public async Task A_registration_owed_more_rows_than_one_statement_holds_gets_every_one()
    {
        var clock = new TestClock(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(), clock: clock);
        var slug = await app.CreateEventAsync(startsAt: Start);
        using var api = app.Api();
        var rules = Enumerable.Range(1, 10).Select(h => new { offsetMinutes = -60 * h, audience = "all" }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", rules)).StatusCode);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "many@example.jp");

        // The confirmation and ten reminders: eleven rows, written by two statements of at most eight rows.
        Assert.Equal(Enumerable.Range(1, 10).Select(h => Start.AddHours(-h)).Order(), await app.QueryAsync<DateTime>(
            "SELECT due_at FROM outbox WHERE kind = 'mail.reminder' ORDER BY due_at"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_confirmed'"));
    }

    static Task<int> RemindersOfAsync(PortalApp app, string email) => app.QueryOneAsync<int>("""
        SELECT COUNT(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id WHERE o.kind = 'mail.reminder' AND r.email = @email
        """, new { email });
}
