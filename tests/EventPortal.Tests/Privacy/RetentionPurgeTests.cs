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
        public string EmailNormalized { get; init; } = "";
        public string FamilyName { get; init; } = "";
        public string GivenName { get; init; } = "";
        public string Reading { get; init; } = "";
        public string Organization { get; init; } = "";
        public string Accessibility { get; init; } = "";
        public string Questions { get; init; } = "";
        public string Status { get; init; } = "";
        public string Answers { get; init; } = "";
        public string? CategoryCode { get; init; }
        public string TokenSeed { get; init; } = "";
        public string ManageTokenHash { get; init; } = "";
        public string? JoinTokenHash { get; init; }
        public string? WatchTokenHash { get; init; }
        public string? ProviderJoinUrl { get; init; }
    }

    const string People = """
        SELECT email, email_normalized, family_name, given_name, reading, organization, accessibility, questions, status, answers,
               category_code, token_seed, manage_token_hash, join_token_hash, watch_token_hash, provider_join_url
        FROM registrations WHERE event_id = @oldId ORDER BY id
        """;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Ninety_days_after_an_event_its_registrants_personal_data_is_gone_its_counts_stay_and_the_purge_is_logged(
        string engine)
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>
        {
            ["EventPortal:Privacy:RetentionDays"] = "90",
            ["EventPortal:Privacy:CheckIntervalMinutes"] = "0.01",
        };
        await using var app = await PortalApp.StartOnAsync(engine, settings, clock);
        var old = await app.CreateEventAsync(liveSeats: 1, startsAt: clock.Now.UtcDateTime.AddDays(2));
        var recent = await app.CreateEventAsync(startsAt: clock.Now.UtcDateTime.AddDays(60));
        using var client = app.Client();
        var hanako = await client.RegisteredAsync(old, "hanako@example.jp");
        var waiting = await client.RegisteredAsync(old, "waiting@example.jp");   // the one seat is taken: waitlisted
        await client.RegisteredAsync(old, "viewer@example.jp", ticket: "recording");
        await client.RegisteredAsync(recent, "keep@example.jp");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(hanako)).StatusCode);
        var oldId = await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @old", new { old });
        // What a registrant can leave behind besides the form: a note, an answer, a Zoom link, a failed mail quoting them.
        await app.ExecuteAsync("""
            UPDATE registrations SET accessibility = '手話通訳を希望', questions = '録画はいつまで?', answers = '{"q1":"はい"}',
                provider_join_url = 'https://zoom.example/w/1?tk=personal' WHERE event_id = @oldId
            """, new { oldId });
        await app.ExecuteAsync("UPDATE registrations SET provider_registrant_id = 'zoom-registrant-1' WHERE email = 'hanako@example.jp'");
        await app.ExecuteAsync("""
            INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, payload, status, attempts, last_error, due_at, created_at)
            SELECT 'mail.registration_confirmed', 'failed-' || id, event_id, id, '{}', 'failed', 1,
                '550 5.1.1 <hanako@example.jp>: unknown user', @now, @now
            FROM registrations WHERE email = 'hanako@example.jp'
            """, new { now = clock.Now.UtcDateTime });
        var before = await app.QueryAsync<Person>(People, new { oldId });
        var taken = await app.QueryOneAsync<int>(SeatsTaken, new { oldId });

        // 91 days after the old event; the recent one ended 31 days ago.
        clock.Now = clock.Now.AddDays(2 + 91);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await app.QueryOneAsync<int>("SELECT COUNT(*) FROM purge_log") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the purge did not run within 20 s");
            await Task.Delay(100);
        }

        var after = await app.QueryAsync<Person>(People, new { oldId });
        // counts by status and category hold
        Assert.Equal(before.Select(p => (p.Status, p.CategoryCode)), after.Select(p => (p.Status, p.CategoryCode)));
        Assert.Equal(["confirmed", "waitlisted", "confirmed"], after.Select(p => p.Status));
        Assert.All(after, p =>
        {
            Assert.Matches("^deleted-[0-9]+@deleted\\.invalid$", p.Email);
            Assert.Equal(p.Email, p.EmailNormalized);
            Assert.Equal(
                ("(deleted)", "", "", "", "", "", "{}", (string?)null),
                (p.FamilyName, p.GivenName, p.Reading, p.Organization, p.Accessibility, p.Questions, p.Answers, p.ProviderJoinUrl));
        });
        // Every personal link is dead: no seed or token hash of before is left.
        foreach (var (b, a) in before.Zip(after))
        {
            Assert.NotEqual(b.TokenSeed, a.TokenSeed);
            Assert.NotEqual(b.ManageTokenHash, a.ManageTokenHash);
            Assert.NotEqual(b.JoinTokenHash, a.JoinTokenHash);
            Assert.NotEqual(b.WatchTokenHash, a.WatchTokenHash);
        }
        Assert.DoesNotContain("hanako", await app.QueryOneAsync<string>("SELECT last_error FROM outbox WHERE dedupe_key LIKE 'failed-%'"));
        // Zoom keeps registrants' names and addresses: hers is withdrawn through the outbox.
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'meeting.unregister' AND event_id = @oldId", new { oldId }));
        Assert.Equal(taken, await app.QueryOneAsync<int>(SeatsTaken, new { oldId }));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(hanako)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(waiting)).StatusCode);
        Assert.Equal(0, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE event_id = @oldId AND registration_id IS NOT NULL " +
            "AND status IN ('queued', 'retry') AND kind NOT LIKE 'meeting.%'",
            new { oldId }));
        Assert.Equal("keep@example.jp", await app.QueryOneAsync<string>(
            "SELECT r.email FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.slug = @recent", new { recent }));

        var log = await app.QueryOneAsync<(string Slug, int Registrations, int Days)>(
            "SELECT event_slug, registrations, retention_days FROM purge_log");
        Assert.Equal((old, 3, 90), log);
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'privacy.purge' AND target = @target", new { target = "event:" + old }));
        // Once is enough: a second pass (or a second instance) finds nothing to do.
        Assert.Equal(0, await app.Services.GetRequiredService<RetentionPurge>().PurgeDueAsync(CancellationToken.None));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM purge_log"));
    }

    const string SeatsTaken =
        "SELECT COUNT(*) FROM seats s JOIN ticket_types t ON t.id = s.ticket_type_id WHERE t.event_id = @oldId AND s.registration_id IS NOT NULL";

    [Fact]
    public async Task An_event_whose_recording_is_still_offered_keeps_its_registrants_until_the_recording_closes()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var app = await PortalApp.StartSqliteAsync(
            settings: new Dictionary<string, string?> { ["EventPortal:Privacy:RetentionDays"] = "30" }, clock: clock);
        var slug = await app.CreateEventAsync(startsAt: clock.Now.UtcDateTime.AddDays(1));
        using var client = app.Client();
        await client.RegisteredAsync(slug, "viewer@example.jp", ticket: "recording");
        await app.ExecuteAsync(
            "UPDATE events SET recording_url = 'https://video.example/r', recording_available_until = NULL WHERE slug = @slug",
            new { slug });
        var purge = app.Services.GetRequiredService<RetentionPurge>();

        clock.Now = clock.Now.AddDays(400);   // no end date: offered for good, so kept
        Assert.Equal(0, await purge.PurgeDueAsync(CancellationToken.None));
        await app.ExecuteAsync(
            "UPDATE events SET recording_available_until = @until WHERE slug = @slug",
            new { slug, until = clock.Now.UtcDateTime.AddDays(-10) });
        Assert.Equal(0, await purge.PurgeDueAsync(CancellationToken.None));   // closed 10 days ago: not yet 30
        clock.Now = clock.Now.AddDays(21);
        Assert.Equal(1, await purge.PurgeDueAsync(CancellationToken.None));
        Assert.Matches("@deleted\\.invalid$", await app.QueryOneAsync<string>("SELECT email FROM registrations"));
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
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PortalApp.StartSqliteAsync(
            settings: new Dictionary<string, string?> { ["EventPortal:Privacy:RetentionDays"] = days }));
        Assert.Contains("EventPortal:Privacy:RetentionDays", error.Message);
    }
}
