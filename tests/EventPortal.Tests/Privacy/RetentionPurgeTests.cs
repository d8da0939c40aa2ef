using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Privacy;

/// <summary>EventPortal:Privacy:RetentionDays: personal data of old events is deleted, counts stay, each purge is logged.</summary>
public sealed class RetentionPurgeTests
{
    sealed class Person
    {
        public string Email { get; init; } = "";
        public string FamilyName { get; init; } = "";
        public string Organization { get; init; } = "";
        public string Status { get; init; } = "";
        public string Answers { get; init; } = "";
        public string? CategoryCode { get; init; }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Ninety_days_after_an_event_its_registrants_personal_data_is_gone_its_counts_stay_and_the_purge_is_logged(string engine)
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>
        {
            ["EventPortal:Privacy:RetentionDays"] = "90",
            ["EventPortal:Privacy:CheckIntervalMinutes"] = "0.01",
        };
        await using var app = engine == "postgres"
            ? await PortalApp.StartPostgresAsync(settings: settings, clock: clock)
            : await PortalApp.StartSqliteAsync(settings: settings, clock: clock);
        var old = await app.CreateEventAsync(liveSeats: 1, startsAt: clock.Now.UtcDateTime.AddDays(2));
        var recent = await app.CreateEventAsync(startsAt: clock.Now.UtcDateTime.AddDays(60));
        using var client = app.Client();
        var hanako = await client.RegisteredAsync(old, "hanako@example.jp");
        var waiting = await client.RegisteredAsync(old, "waiting@example.jp");   // the one seat is taken: waitlisted
        await client.RegisteredAsync(old, "viewer@example.jp", ticket: "recording");
        await client.RegisteredAsync(recent, "keep@example.jp");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(hanako)).StatusCode);
        var oldId = await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @old", new { old });
        var before = await app.QueryAsync<Person>("SELECT email, family_name, organization, status, answers, category_code FROM registrations WHERE event_id = @oldId ORDER BY id", new { oldId });
        var taken = await app.QueryOneAsync<int>("SELECT SUM(taken) FROM ticket_types WHERE event_id = @oldId", new { oldId });

        // 91 days after the old event; the recent one ended 31 days ago.
        clock.Now = clock.Now.AddDays(2 + 91);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await app.QueryOneAsync<int>("SELECT COUNT(*) FROM purge_log") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the purge did not run within 20 s");
            await Task.Delay(100);
        }

        var after = await app.QueryAsync<Person>("SELECT email, family_name, organization, status, answers, category_code FROM registrations WHERE event_id = @oldId ORDER BY id", new { oldId });
        Assert.Equal(before.Select(p => (p.Status, p.CategoryCode)), after.Select(p => (p.Status, p.CategoryCode)));   // counts by status and category hold
        Assert.Equal(["confirmed", "waitlisted", "confirmed"], after.Select(p => p.Status));
        Assert.All(after, p =>
        {
            Assert.Matches("^deleted-[0-9]+@deleted\\.invalid$", p.Email);
            Assert.Equal(("(deleted)", "", "{}"), (p.FamilyName, p.Organization, p.Answers));
        });
        Assert.Equal(taken, await app.QueryOneAsync<int>("SELECT SUM(taken) FROM ticket_types WHERE event_id = @oldId", new { oldId }));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(hanako)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(waiting)).StatusCode);
        Assert.Equal(0, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE event_id = @oldId AND registration_id IS NOT NULL AND status IN ('queued', 'retry')", new { oldId }));
        Assert.Equal("keep@example.jp", await app.QueryOneAsync<string>(
            "SELECT r.email FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.slug = @recent", new { recent }));

        var log = await app.QueryOneAsync<(string Slug, int Registrations, int Days)>("SELECT event_slug, registrations, retention_days FROM purge_log");
        Assert.Equal((old, 3, 90), log);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'privacy.purge' AND target = @target", new { target = "event:" + old }));
        // Once is enough: a second pass (or a second instance) finds nothing to do.
        Assert.Equal(0, await app.Services.GetRequiredService<RetentionPurge>().PurgeDueAsync(CancellationToken.None));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM purge_log"));
    }

    [Fact]
    public async Task Without_a_retention_setting_nothing_is_purged()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var app = await PortalApp.StartSqliteAsync(clock: clock);
        var slug = await app.CreateEventAsync(startsAt: clock.Now.UtcDateTime.AddDays(1));
        using var client = app.Client();
        await client.RegisteredAsync(slug, "stays@example.jp");
        clock.Now = clock.Now.AddDays(3650);
        Assert.Equal(0, await app.Services.GetRequiredService<RetentionPurge>().PurgeDueAsync(CancellationToken.None));
        Assert.Equal("stays@example.jp", await app.QueryOneAsync<string>("SELECT email FROM registrations"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_bad_retention_setting_stops_the_start_with_a_message_that_names_it(string days)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PortalApp.StartSqliteAsync(settings: new Dictionary<string, string?> { ["EventPortal:Privacy:RetentionDays"] = days }));
        Assert.Contains("EventPortal:Privacy:RetentionDays", error.Message);
    }
}
