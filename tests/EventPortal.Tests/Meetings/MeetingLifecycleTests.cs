using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventPortal.Tests.Meetings;

/// <summary>The meeting follows the event through the organiser API: publish, reschedule, cancel.</summary>
public sealed class MeetingLifecycleTests
{
    [Fact]
    public async Task Publishing_rescheduling_and_cancelling_through_the_api_create_update_and_delete_one_Zoom_meeting()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await PortalApp.StartSqliteAsync(
            settings: Organisers.Bootstrap(MeetingKit.Quick(zoom.Settings(registrantLinks: true))));
        using var api = app.Api();
        var created = await api.PostAsJsonAsync("/api/admin/events", new
        {
            slug = "zoom-briefing", title = "オンライン説明会", startsAt = "2031-03-06T12:00:00+09:00", endsAt = "2031-03-06T13:00:00+09:00",
            timeZone = "Asia/Tokyo", meetingProvider = "Zoom",
            // Seats confirm at once here: this is about the meeting's life, not the registrant's address (SeatPaths covers both).
            ticketTypes = new object[]
            {
                new { code = "live", name = "ライブ参加", capacity = 10, waitlist = true, kind = "live", confirmAddress = false },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(zoom.Meetings); // a draft has no meeting yet

        Assert.True((await api.PostAsync("/api/admin/events/zoom-briefing/publish", null)).IsSuccessStatusCode);
        await app.SettledAsync();
        var meeting = Assert.Single(zoom.Meetings);
        Assert.Equal("2031-03-06T12:00:00", meeting.StartTime);

        using var client = app.Client();
        await client.RegisteredAsync("zoom-briefing", "zoomer@example.jp");
        await app.SettledAsync();
        var registrant = Assert.Single(zoom.Registrants);
        Assert.Equal("zoomer@example.jp", registrant.Email);
        // The registrant's own Zoom link is theirs alone: not in the organiser's export or API either.
        foreach (var path in new[]
        {
            "/api/admin/events/zoom-briefing/registrations",
            "/api/admin/events/zoom-briefing/registrations.csv",
            "/api/admin/events/zoom-briefing"
        })
        {
            var text = await api.GetStringAsync(path);
            Assert.DoesNotContain(registrant.JoinUrl, text);
            Assert.DoesNotContain(meeting.StartUrl, text);
        }

        var moved = await api.PatchAsJsonAsync(
            "/api/admin/events/zoom-briefing", new { startsAt = "2031-03-13T12:00:00+09:00", endsAt = "2031-03-13T13:30:00+09:00" });
        Assert.True(moved.IsSuccessStatusCode, await moved.Content.ReadAsStringAsync());
        await app.SettledAsync();
        meeting = Assert.Single(zoom.Meetings);
        Assert.Equal(("2031-03-13T12:00:00", 90), (meeting.StartTime, meeting.Duration));

        Assert.True((await api.PostAsync("/api/admin/events/zoom-briefing/cancel", null)).IsSuccessStatusCode);
        await app.SettledAsync();
        Assert.True(Assert.Single(zoom.Meetings).Deleted);
    }

    [Fact]
    public async Task Secrets_never_reach_the_logs_even_at_debug_level()
    {
        await using var zoom = await FakeZoom.StartAsync();
        var logs = new CapturedLogs();
        var settings = Organisers.Bootstrap(MeetingKit.Quick(zoom.Settings(registrantLinks: true)));
        settings["Logging:LogLevel:Default"] = "Debug";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug";
        await using var app = await PortalApp.StartSqliteAsync(settings: settings, services: s => s.AddSingleton<ILoggerProvider>(logs));
        var (slug, id) = await app.ProviderEventAsync("Zoom", startsAt: DateTime.UtcNow.AddMinutes(2));
        await app.PublishAsync(slug);
        await app.SettledAsync();
        using var client = app.Client();
        var manage = await client.RegisteredAsync(slug, "logged@example.jp");
        await app.SettledAsync();
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync(await app.JoinPathAsync(manage))).StatusCode);

        var meeting = Assert.Single(zoom.Meetings);
        var text = logs.Text;
        Assert.NotEmpty(text); // debug logging really was on
        foreach (var secret in new[] { zoom.ClientSecret, meeting.StartUrl, meeting.Password, meeting.JoinUrl, Organisers.ApiToken }
                     .Concat(zoom.Tokens).Concat(zoom.Registrants.Select(r => r.JoinUrl)))
            Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task Console_new_event_takes_the_sites_provider_a_published_one_switched_to_Zoom_gets_a_meeting_and_cannot_switch_back()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(MeetingKit.Quick(zoom.Settings())));
        using var browser = await app.SignedInAsync();

        // EventPortal:Meetings:Provider is Zoom here: the new-event form starts with it.
        var blank = await ConsoleForms.FormFieldsAsync(browser, "/admin/events/new");
        Assert.Equal("Zoom", blank["Form.MeetingProvider"]);

        var form = ConsoleForms.NewEventForm("switched");
        form["Form.MeetingProvider"] = "Manual";
        form["Form.MeetingUrl"] = "https://meet.example.jp/abc";
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync("/admin/events/new", "/admin/events/new/save", form)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync(
            "/admin/events/switched/edit", "/admin/events/switched/publish", new Dictionary<string, string>())).StatusCode);
        Assert.Empty(await app.MeetingRowsAsync()); // Manual: nothing to make

        var saved = await ConsoleForms.EditAsync(browser, "switched", f => f["Form.MeetingProvider"] = "Zoom");
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        await app.SettledAsync();
        var meeting = Assert.Single(zoom.Meetings);
        Assert.Equal(meeting.JoinUrl, await app.QueryOneAsync<string>("SELECT meeting_url FROM events WHERE slug = 'switched'"));

        // Teams would not know Zoom's meeting: refused with the field named, nothing changed.
        var refused = await ConsoleForms.EditAsync(browser, "switched", f => f["Form.MeetingProvider"] = "Teams");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("id=\"e-meetingProvider\"", page);
        Assert.Contains("Zoom の会議が作成済み", page);
        Assert.Equal("Zoom", await app.QueryOneAsync<string>("SELECT meeting_provider FROM events WHERE slug = 'switched'"));
    }

    [Fact]
    public async Task The_provider_cannot_be_switched_while_its_meeting_is_being_made()
    {
        await using var zoom = await FakeZoom.StartAsync();
        var settings = Organisers.Bootstrap(MeetingKit.Quick(zoom.Settings()));
        settings["EventPortal:Outbox:DispatcherEnabled"] = "false";   // the create stays queued
        await using var app = await PortalApp.StartSqliteAsync(settings: settings);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        await app.PublishAsync(slug);
        Assert.Equal("pending", (await app.MeetingAsync(id)).MeetingState);

        using var api = app.Api();
        var refused = await api.PatchAsJsonAsync($"/api/admin/events/{slug}", new { meetingProvider = "Teams" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("meetingProvider", await refused.Content.ReadAsStringAsync());
        Assert.Equal("Zoom", await app.QueryOneAsync<string>("SELECT meeting_provider FROM events WHERE id = @id", new { id }));
    }
}

public sealed class MeetingSettingsSpelling
{
    [Fact]
    public void The_organiser_setting_is_read_in_its_earlier_spelling_too()
    {
        static string? Read(string key) => new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"EventPortal:Meetings:Teams:{key}"] = "0b5c…-object-id" }).Build()
            .GetSection(Web.Meetings.MeetingOptions.Section).Get<Web.Meetings.MeetingOptions>()!.Teams.OrganiserUserId;

        Assert.Equal("0b5c…-object-id", Read("OrganiserUserId"));
        Assert.Equal("0b5c…-object-id", Read("OrganizerUserId"));
    }
}
