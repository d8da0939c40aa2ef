using System.Net;
using System.Text.Json.Nodes;
using EventPortal.Tests.Attendance;
using EventPortal.Tests.Infrastructure;
using static EventPortal.Tests.Webhooks.WebhookKit;

namespace EventPortal.Tests.Webhooks;

/// <summary>Which changes are which webhook events, wherever they start: the waitlist's promotion, the join link, an erasure.</summary>
public sealed class WebhookEventTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_waitlisted_registration_is_created_and_confirmed_only_when_a_cancellation_promotes_it(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(engine, Settings(loopback: true));
        var slug = await app.CreateEventAsync(liveSeats: 1);
        using (var owner = await app.SignedInAsync()) await owner.AddWebhookAsync(receiver.Url);
        using var browser = app.Browser();
        var seated = await browser.RegisteredAsync(slug, "seated@example.jp");
        var waiting = await app.RegisterPersonAsync(slug, "waiting@example.jp");

        var before = await receiver.WaitForAsync(3);
        bool Of(WebhookReceiver.Delivery d, long id) => d.Data.GetProperty("registrationId").GetInt64() == id;
        var created = Assert.Single(before, d => d.Type == "registration.created" && Of(d, waiting));
        Assert.Equal("waitlisted", created.Data.GetProperty("status").GetString());
        Assert.DoesNotContain(before, d => d.Type == "registration.confirmed" && Of(d, waiting));

        await browser.CancelAsync(seated);
        var after = await receiver.WaitForAsync(5);
        Assert.Equal(5, after.Count);
        var promoted = Assert.Single(after, d => d.Type == "registration.confirmed" && Of(d, waiting));
        Assert.Equal("confirmed", promoted.Data.GetProperty("status").GetString());
        Assert.Single(after, d => d.Type == "registration.cancelled");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Joining_through_the_personal_link_is_attendance_sent_once_however_often_they_join_or_are_marked(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = new TestClock(AttendanceKit.Before);
        await using var app = await AttendanceKit.StartAsync(engine,
            new() { ["EventPortal:Webhooks:AllowPrivateTargets"] = "true" }, clock);
        var (slug, _) = await app.PublishedAsync("Manual");
        using (var api = app.Api())
            await api.PatchEventAsync(slug, new JsonObject { ["meetingUrl"] = "https://meet.example/room/hook" });
        using (var owner = await app.SignedInAsync()) await owner.AddWebhookAsync(receiver.Url, ["registration.attended"]);
        var ids = await app.RegisterAsync(slug, ["alice@example.jp"]);
        var join = await app.JoinPathAsync(ids["alice@example.jp"]);
        using var client = app.Client();

        clock.Now = AttendanceKit.At(-5);
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync(join)).StatusCode);
        clock.Now = AttendanceKit.At(10);
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync(join)).StatusCode);
        // Signed in again: the test clock has moved past the first session's lifetime.
        using (var owner = await app.SignedInAsync()) await owner.MarkInConsoleAsync(slug, ids["alice@example.jp"], "yes");

        var d = Assert.Single(await receiver.WaitForAsync(1, settle: TimeSpan.FromSeconds(2)));
        Assert.Equal("registration.attended", d.Type);
        Assert.Equal(ids["alice@example.jp"], d.Data.GetProperty("registrationId").GetInt64());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Erasing_an_active_registration_sends_its_cancellation_without_personal_data(string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(engine, Settings(loopback: true));
        var slug = await app.CreateEventAsync(liveSeats: 10);
        using var owner = await app.SignedInAsync();
        await owner.AddWebhookAsync(receiver.Url, ["registration.cancelled"], personal: true);
        var id = await app.RegisterPersonAsync(slug, "forget-me@example.jp");

        var detail = $"/admin/events/{slug}/registrations/{id}";
        var erased = await owner.SubmitAsync(detail + "/erase", detail + "/erase", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.SeeOther, erased.StatusCode);

        var d = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("registration.cancelled", d.Type);
        Assert.Equal(id, d.Data.GetProperty("registrationId").GetInt64());
        Assert.False(d.Data.TryGetProperty("email", out _));
        Assert.DoesNotContain("forget-me", d.Body);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_hook_added_after_registrations_without_one_hears_the_next_at_once_and_one_from_another_instance_soon(
        string engine)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(engine, Settings(loopback: true));
        var slug = await app.CreateEventAsync(liveSeats: 10);
        await app.RegisterPersonAsync(slug, "before@example.jp");   // no hook yet: this event's changes skip the lookup a while

        using (var owner = await app.SignedInAsync()) await owner.AddWebhookAsync(receiver.Url, ["registration.created"]);
        var next = await app.RegisterPersonAsync(slug, "next@example.jp");
        var d = Assert.Single(await receiver.WaitForAsync(1, settle: TimeSpan.FromSeconds(1)));
        Assert.Equal(next, d.Data.GetProperty("registrationId").GetInt64());

        // Another instance's hook: written straight into the database, this instance does not hear of it. An event whose
        // changes found no hook (the console's hook is narrowed to the first event) finds it once two seconds of quiet pass.
        var other = await app.CreateEventAsync(liveSeats: 10);
        await app.ExecuteAsync("UPDATE webhooks SET event_id = (SELECT id FROM events WHERE slug = @slug)", new { slug });
        await app.RegisterPersonAsync(other, "quiet@example.jp");
        await app.ExecuteAsync("INSERT INTO webhooks (url, event_id, event_types, include_personal, secret, enabled, created_at) "
            + "SELECT url, NULL, event_types, include_personal, secret, enabled, created_at FROM webhooks");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var later = await app.RegisterPersonAsync(other, "later@example.jp");
        var all = await receiver.WaitForAsync(2);
        Assert.Equal([next, later], all.Select(x => x.Data.GetProperty("registrationId").GetInt64()));
    }
}
