using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Privacy;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Every path that confirms, promotes, switches, cancels or erases a registration, driven the
/// way people drive it (the event page's form, the public API, the personal page, the console,
/// the admin API, the retention purge), on a Zoom event with per-registrant links, through a
/// real SMTP server and the fake Zoom. Each path must leave each registration owing the same
/// as any other path to that state: its mail, its planned reminders, its Zoom registrant.
/// Setup: one live seat with a waitlist; "first" takes the seat, "second" waits. On the paths of
/// address confirmation (double opt-in) "first" only holds the seat, and "second" confirmed its
/// place on the waitlist through the mailed link.
/// </summary>
public abstract class SeatPaths
{
    protected abstract Task<PortalApp> StartAsync(Dictionary<string, string?> settings, TimeProvider clock);

    /// <summary>What one registration has been given: mail delivered (in order), reminders still planned, its state at Zoom.</summary>
    public sealed record OwedSet(string Mail, int Reminders, string Zoom)
    {
        public override string ToString() => $"mail [{Mail}], {Reminders} reminders planned, Zoom {Zoom}";
    }

    // A live ticket's default mail rules: the day before, the hour before, the thank-you after the end.
    static readonly OwedSet Seated = new("confirmed", 3, "approved");
    static readonly OwedSet Waiting = new("waitlisted", 3, "none");
    static readonly OwedSet Promoted = new("waitlisted promoted", 3, "approved");
    static readonly OwedSet CancelledSeat = new("confirmed cancelled", 0, "cancelled");

    public static TheoryData<string> Paths => new()
    {
        "api-register", "form-register", "self-cancel", "console-cancel", "console-erase", "self-switch-to-recording",
        "api-capacity-raise", "api-event-cancel", "retention-purge", "address-confirm", "hold-lapse",
    };

    static bool ConfirmsAddress(string path) => path is "address-confirm" or "hold-lapse";

    static (OwedSet First, OwedSet Second) Expected(string path) => path switch
    {
        "api-register" or "form-register" => (Seated, Waiting),
        "self-cancel" or "console-cancel" => (CancelledSeat, Promoted),
        "console-erase" => (new("confirmed", 0, "cancelled"), Promoted),
        "self-switch-to-recording" => (new("confirmed switched", 1, "cancelled"), Promoted),
        "api-capacity-raise" => (Seated, Promoted),
        "api-event-cancel" => (new("confirmed cancelled", 0, "meeting deleted"), new("waitlisted cancelled", 0, "meeting deleted")),
        "retention-purge" => (new("confirmed", 0, "cancelled"), new("waitlisted", 0, "none")),
        "address-confirm" => (new("address_confirmation confirmed", 3, "approved"), new("address_confirmation waitlisted", 3, "none")),
        "hold-lapse" => (new("address_confirmation", 0, "none"), new("address_confirmation waitlisted promoted", 3, "approved")),
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Each_path_leaves_each_registration_owing_the_same(string path)
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var smtp = await SmtpServer.StartAsync();
        await using var zoom = await FakeZoom.StartAsync();
        var settings = Organisers.Bootstrap(Meetings.MeetingKit.Quick(zoom.Settings(registrantLinks: true)));
        foreach (var (k, v) in Mail.MailDelivery.SmtpSettings(smtp.Port)) settings[k] = v;
        if (path == "retention-purge")
        {
            settings["EventPortal:Privacy:RetentionDays"] = "1";
            settings["EventPortal:Outbox:RetentionDays"] = "365";   // the sent rows are what this test reads
        }
        await using var app = await StartAsync(settings, clock);
        using var api = app.Api();
        var slug = await api.ZoomEventAsync(app, clock.Now.UtcDateTime.AddDays(30), ConfirmsAddress(path));
        using var client = app.Client();
        using var browser = app.Browser();

        var first = ConfirmsAddress(path) ? null
            : path == "form-register" ? await browser.FormRegisteredAsync(slug, "first@example.jp")
            : await client.RegisteredAsync(slug, "first@example.jp");
        if (ConfirmsAddress(path))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.RegisterAsync(slug, "first@example.jp")).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await client.RegisterAsync(slug, "second@example.jp")).StatusCode);
            await browser.OpenConfirmLinkAsync(smtp, "second@example.jp");
        }
        else await client.RegisteredAsync(slug, "second@example.jp");
        await app.SettledAsync(clock);
        var (firstId, secondId) = (await app.IdOfAsync("first@example.jp"), await app.IdOfAsync("second@example.jp"));

        using var console = await app.SignedInAsync();
        var detail = $"/admin/events/{slug}/registrations/{firstId}";
        var answer = path switch
        {
            "self-cancel" => await browser.CancelAsync(first!),
            "console-cancel" => await console.SubmitAsync(detail + "/cancel", detail + "/cancel", new Dictionary<string, string>()),
            "console-erase" => await console.SubmitAsync(detail + "/erase", detail + "/erase", new Dictionary<string, string>()),
            "self-switch-to-recording" => await browser.SwitchAsync(first!, "recording"),
            "api-capacity-raise" => await Done(api.SetCapacityAsync(slug, "live", 2)),
            "api-event-cancel" => await Done(api.CancelEventAsync(slug)),
            "retention-purge" => await PurgeAfterTheEventAsync(app, clock),
            "address-confirm" => await browser.GetAsync(await smtp.ConfirmLinkAsync("first@example.jp")),
            "hold-lapse" => await SweepAfterTheHoldAsync(app, clock),
            _ => null,
        };
        Assert.True(answer is null || (int)answer.StatusCode < 400, $"{path}: {(int?)answer?.StatusCode}");
        await app.SettledAsync(clock);

        var expected = Expected(path);
        Assert.Equal(expected.First, await OwedToAsync(app, smtp, zoom, firstId, "first@example.jp"));
        Assert.Equal(expected.Second, await OwedToAsync(app, smtp, zoom, secondId, "second@example.jp"));
    }

    static async Task<HttpResponseMessage?> Done(Task step)
    {
        await step;   // the step checks its own answer
        return null;
    }

    static async Task<HttpResponseMessage?> PurgeAfterTheEventAsync(PortalApp app, TestClock clock)
    {
        clock.Now = clock.Now.AddDays(33);
        await app.Services.GetRequiredService<RetentionPurge>().PurgeDueAsync(CancellationToken.None);
        return null;
    }

    static async Task<HttpResponseMessage?> SweepAfterTheHoldAsync(PortalApp app, TestClock clock)
    {
        clock.Now = clock.Now.AddMinutes(31);
        await app.Services.GetRequiredService<HoldSweep>().SweepAsync(CancellationToken.None);
        return null;
    }

    static async Task<OwedSet> OwedToAsync(PortalApp app, SmtpServer smtp, FakeZoom zoom, long id, string email)
    {
        var kinds = await app.QueryAsync<string>("""
            SELECT kind FROM outbox WHERE registration_id = @id AND status = 'sent' AND kind LIKE 'mail.%' AND kind <> 'mail.reminder'
            ORDER BY id
            """, new { id });
        // Every row recorded as sent reached the SMTP server, and nothing else did.
        var sent = await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE registration_id = @id AND status = 'sent' AND kind LIKE 'mail.%'", new { id });
        var deadline = DateTime.UtcNow + Meetings.MeetingKit.Wait;   // the server files a message a moment after accepting it
        while ((await smtp.MessagesAsync()).Count(m => m.RcptTos.Contains(email)) < sent && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(sent, (await smtp.MessagesAsync()).Count(m => m.RcptTos.Contains(email)));
        var reminders = await app.RemindersOwedAsync(id);
        var registrant = zoom.Registrants.LastOrDefault(r => r.Email == email);
        var state = zoom.Meetings.Single().Deleted ? "meeting deleted" : registrant?.Status ?? "none";
        var mail = string.Join(" ",
            kinds.Select(k => k.Replace("mail.registration_", "").Replace("mail.ticket_", "").Replace("mail.", "")));
        return new OwedSet(mail, reminders, state);
    }
}

/// <summary>Intent-named steps for <see cref="SeatPaths"/>.</summary>
static class SeatPathSteps
{
    /// <summary>
    /// An organiser makes a Zoom event with one live seat (waitlist on) through the admin API and publishes it;
    /// waits for the meeting.
    /// </summary>
    public static async Task<string> ZoomEventAsync(this HttpClient api, PortalApp app, DateTime startsAt, bool confirmAddress = false)
    {
        var slug = await api.CreateDraftAsync(startsAt, "Zoom", liveSeats: 1, confirmAddress: confirmAddress);
        await api.PublishAsync(slug);
        var deadline = DateTime.UtcNow + Meetings.MeetingKit.Wait;
        while (await app.QueryOneAsync<string?>("SELECT meeting_external_id FROM events WHERE slug = @slug", new { slug }) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no Zoom meeting made");
            await Task.Delay(100);
        }
        return slug;
    }

    /// <summary>Registers through the event page's form and returns the personal page it leads to.</summary>
    public static async Task<string> FormRegisteredAsync(this HttpClient browser, string slug, string email)
    {
        var fields = Journeys.ValidForm(email);
        fields.Remove("category");
        var response = await browser.FormRegisterAsync(slug, fields);
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther,
            $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    public static Task<long> IdOfAsync(this PortalApp app, string email) =>
        app.QueryOneAsync<long>("SELECT MAX(id) FROM registrations WHERE email = @email", new { email });

    /// <summary>Waits until every outbox row already due has finished (sent, skipped or failed).</summary>
    public static async Task SettledAsync(this PortalApp app, TestClock clock)
    {
        var deadline = DateTime.UtcNow + Meetings.MeetingKit.Wait;
        while (await app.QueryOneAsync<int>(
                    "SELECT COUNT(*) FROM outbox WHERE due_at <= @now AND status NOT IN ('sent', 'skipped', 'failed')",
                    new { now = clock.Now.UtcDateTime }) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "outbox not settled: " + string.Join("; ", await app.QueryAsync<string>(
                "SELECT kind || ' ' || status || ' ' || COALESCE(last_error, '') FROM outbox " +
                "WHERE status NOT IN ('sent', 'skipped', 'failed') AND due_at <= @now",
                new { now = clock.Now.UtcDateTime })));
            await Task.Delay(100);
        }
    }
}

public sealed class SqliteSeatPaths : SeatPaths
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings, TimeProvider clock) =>
        PortalApp.StartSqliteAsync(settings: settings, clock: clock);
}

public sealed class PostgresSeatPaths : SeatPaths
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings, TimeProvider clock) =>
        PortalApp.StartPostgresAsync(settings: settings, clock: clock);
}
