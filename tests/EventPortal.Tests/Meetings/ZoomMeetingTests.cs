using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using EventPortal.Web.Meetings;

namespace EventPortal.Tests.Meetings;

/// <summary>Zoom meetings through Server-to-Server OAuth, against <see cref="FakeZoom"/>, driven by the real outbox.</summary>
public sealed partial class ZoomMeetingTests
{
    static Task<PortalApp> StartAsync(FakeZoom zoom, bool registrantLinks = false) =>
        PortalApp.StartSqliteAsync(settings: MeetingKit.Quick(zoom.Settings(registrantLinks)));

    [Fact]
    public async Task Publishing_makes_one_meeting_in_local_time_a_change_updates_it_and_cancelling_deletes_it()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        var (slug, id) = await app.ProviderEventAsync("Zoom");

        await app.PublishAsync(slug);
        await app.SettledAsync();
        var meeting = Assert.Single(zoom.Meetings);
        Assert.Equal(("成果報告会:メンタリング", "2031-03-06T12:00:00", "Asia/Tokyo", 60, 2),
            (meeting.Topic, meeting.StartTime, meeting.Timezone, meeting.Duration, meeting.ApprovalType));
        var stored = await app.MeetingAsync(id);
        Assert.Equal(("ready", meeting.JoinUrl, meeting.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (stored.MeetingState, stored.MeetingUrl, stored.MeetingExternalId));

        await app.PostponeAsync(
            slug,
            "成果報告会(延期)",
            new DateTime(2031, 3, 13, 3, 0, 0, DateTimeKind.Utc),
            new DateTime(2031, 3, 13, 4, 30, 0, DateTimeKind.Utc));
        await app.SettledAsync();
        meeting = Assert.Single(zoom.Meetings);
        Assert.Equal(("成果報告会(延期)", "2031-03-13T12:00:00", 90), (meeting.Topic, meeting.StartTime, meeting.Duration));

        await app.CancelEventAsync(slug);
        Assert.All(await app.SettledAsync(), r => Assert.Equal("sent", r.Status));
        Assert.True(Assert.Single(zoom.Meetings).Deleted);
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
        Assert.Equal(1, zoom.TokensIssued); // the token is kept, not fetched per call
    }

    [Fact]
    public async Task On_PostgreSQL_a_meeting_is_made_failed_and_deleted_the_same_way()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await PortalApp.StartPostgresAsync(settings: MeetingKit.Quick(zoom.Settings()));
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        zoom.FailNext(FakeZoomFailure.ServerError);
        await app.PublishAsync(slug);
        Assert.Equal(("sent", 2), Assert.Single(await app.SettledAsync()) is var r ? (r.Status, r.Attempts) : default);
        Assert.Equal("ready", (await app.MeetingAsync(id)).MeetingState);

        await app.CancelEventAsync(slug);
        await app.SettledAsync();
        Assert.True(Assert.Single(zoom.Meetings).Deleted);
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task A_429_and_a_500_from_Zoom_are_retried_and_still_make_one_meeting()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        zoom.FailNext(FakeZoomFailure.RateLimited);
        zoom.FailNext(FakeZoomFailure.ServerError);

        await app.PublishAsync(slug);
        var row = Assert.Single(await app.SettledAsync());
        Assert.Equal(("sent", 3), (row.Status, row.Attempts));
        Assert.Single(zoom.Meetings);
    }

    [Fact]
    public async Task A_create_for_an_event_that_has_a_meeting_updates_it_instead()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        var (slug, id) = await app.ProviderEventAsync("Zoom");

        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create)); // a retried row
        Assert.Single(zoom.Meetings);
        Assert.Contains(zoom.Requests, r => r.StartsWith("PATCH /v2/meetings/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_credentials_are_kept_as_an_error_and_retried_not_dropped()
    {
        await using var zoom = await FakeZoom.StartAsync();
        var settings = MeetingKit.Quick(zoom.Settings());
        settings["EventPortal:Meetings:Zoom:ClientSecret"] = "wrong";
        await using var app = await PortalApp.StartSqliteAsync(settings: settings);
        var (slug, id) = await app.ProviderEventAsync("Zoom");

        await Assert.ThrowsAsync<OutboxException>(() => app.RunDirectlyAsync(id, MeetingSync.Create));
        var stored = await app.MeetingAsync(id);
        Assert.Contains("Invalid client_id or client_secret", stored.MeetingError);
        Assert.DoesNotContain("wrong", stored.MeetingError);
        Assert.Empty(zoom.Meetings);
    }

    [Fact]
    public async Task Start_url_password_and_tokens_stay_off_the_public_pages()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        await app.PublishAsync(slug);
        await app.SettledAsync();
        var meeting = Assert.Single(zoom.Meetings);

        var text = await app.PublicTextAsync(slug);
        foreach (var secret in new[]
        {
            meeting.JoinUrl, meeting.StartUrl, meeting.Password,
            meeting.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), zoom.ClientSecret
        }.Concat(zoom.Tokens))
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        // start_url and the passcode are not even stored.
        var stored = await app.QueryOneAsync<string>(
            "SELECT COALESCE(meeting_url, '') || '|' || COALESCE(meeting_error, '') FROM events WHERE id = @id", new { id });
        Assert.DoesNotContain(meeting.StartUrl, stored);
    }

    [Fact]
    public async Task With_registrant_links_each_confirmed_registrant_gets_and_is_sent_to_their_own_join_link()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom, registrantLinks: true);
        // Registered while the event had a pasted link; the organiser then moves it to Zoom, which makes the meeting.
        var (slug, _) = await app.ProviderEventAsync("Manual", startsAt: DateTime.UtcNow.AddMinutes(2));
        await app.PublishAsync(slug);
        using var client = app.Client();
        var manage = await client.RegisteredAsync(slug, "hanako@example.jp");

        using (var api = app.Api()) await api.PatchEventAsync(slug, new System.Text.Json.Nodes.JsonObject { ["meetingProvider"] = "Zoom" });
        var deadline = DateTime.UtcNow + MeetingKit.Wait;
        while (zoom.Registrants.Count == 0 || (await app.MeetingRowsAsync()).Any(r => r.Status is not ("sent" or "skipped" or "failed")))
        {
            Assert.True(DateTime.UtcNow < deadline, string.Join("\n", await app.MeetingRowsAsync()));
            await Task.Delay(100);
        }
        Assert.Equal(1, Assert.Single(zoom.Meetings).ApprovalType);
        var registrant = Assert.Single(zoom.Registrants);
        Assert.Equal(
            ("hanako@example.jp", "花子", "山田", true),
            (registrant.Email, registrant.FirstName, registrant.LastName, registrant.AutoApprove));

        var response = await client.GetAsync(await app.JoinPathAsync(manage));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(registrant.JoinUrl, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_crash_between_Zooms_answer_and_our_commit_does_not_make_a_second_meeting()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        zoom.AddOtherMeetings(320); // the host's other meetings: ours lands on the second page of the list
        var (slug, id) = await app.ProviderEventAsync("Zoom");

        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        var key = $"[eventportal-{app.Tokens.Installation}-event-{id}]";
        var ours = Assert.Single(zoom.Meetings, m => m.Agenda == key);
        // The commit is lost: the database knows nothing of the meeting Zoom made.
        await app.ExecuteAsync(
            "UPDATE events SET meeting_url = NULL, meeting_external_id = NULL, meeting_state = 'pending' WHERE id = @id", new { id });
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));

        Assert.Single(zoom.Meetings, m => m.Agenda == key);
        Assert.Equal(321, zoom.Meetings.Count);
        var stored = await app.MeetingAsync(id);
        Assert.Equal(
            (ours.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ours.JoinUrl),
            (stored.MeetingExternalId, stored.MeetingUrl));
        Assert.Contains(zoom.Requests, r => r.StartsWith("GET /v2/users/me/meetings", StringComparison.Ordinal));

        // Cancelled while the id is lost again: the delete finds the meeting by its agenda and removes it.
        await app.ExecuteAsync(
            "UPDATE events SET meeting_url = NULL, meeting_external_id = NULL, meeting_state = 'pending', status = 'cancelled' " +
            "WHERE id = @id",
            new { id });
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Delete));
        Assert.True(Assert.Single(zoom.Meetings, m => m.Id == ours.Id).Deleted);
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task A_registrant_who_cancels_or_moves_to_the_recording_is_cancelled_at_Zoom_and_a_return_to_live_signs_them_up_again()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom, registrantLinks: true);
        var (slug, id) = await app.ProviderEventAsync("Zoom", startsAt: DateTime.UtcNow.AddDays(3));
        await app.PublishAsync(slug);
        await app.SettledAsync();
        using var client = app.Client();
        var hanako = await client.RegisteredAsync(slug, "hanako@example.jp");
        var taro = await client.RegisteredAsync(slug, "taro@example.jp");
        await MeetingKit.WaitAsync(() => zoom.Registrants.Count == 2 ? true : (bool?)null, app);

        using var browser = app.Browser();
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(hanako)).StatusCode);
        var cancelled = await MeetingKit.WaitAsync(
            () => zoom.Registrants.SingleOrDefault(r => r.Email == "hanako@example.jp" && r.Status == "cancelled"), app);
        Assert.Null(await app.QueryOneAsync<string?>("SELECT provider_join_url FROM registrations WHERE email = 'hanako@example.jp'"));

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SwitchAsync(taro, "recording")).StatusCode);
        await MeetingKit.WaitAsync(
            () => zoom.Registrants.SingleOrDefault(r => r.Email == "taro@example.jp" && r.Status == "cancelled"), app);
        Assert.Null(await app.QueryOneAsync<string?>("SELECT provider_registrant_id FROM registrations WHERE email = 'taro@example.jp'"));

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SwitchAsync(taro, "live")).StatusCode);
        var again = await MeetingKit.WaitAsync(
            () => zoom.Registrants.SingleOrDefault(r => r.Email == "taro@example.jp" && r.Status == "approved"), app);
        Assert.Equal(
            again.JoinUrl,
            await app.QueryOneAsync<string?>("SELECT provider_join_url FROM registrations WHERE email = 'taro@example.jp'"));
        Assert.Equal(3, zoom.Registrants.Count);
        Assert.Contains(zoom.Requests, r => r.StartsWith("PUT /v2/meetings/", StringComparison.Ordinal)
            && r.EndsWith("/registrants/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registrant_added_while_the_registration_was_being_cancelled_is_withdrawn_at_once()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom, registrantLinks: true);
        var (slug, id) = await app.ProviderEventAsync("Zoom", startsAt: DateTime.UtcNow.AddDays(3));
        await app.PublishAsync(slug);
        await app.SettledAsync();
        // The registrant's cancellation commits while Zoom is answering the sign-up.
        zoom.BeforeRegistrantAnswer = () => app.ExecuteAsync(
            "UPDATE registrations SET status = 'cancelled' WHERE email = 'late@example.jp'");
        using var client = app.Client();
        await client.RegisteredAsync(slug, "late@example.jp");
        var withdrawn = await MeetingKit.WaitAsync(() => zoom.Registrants.SingleOrDefault(r => r.Status == "cancelled"), app);
        Assert.Equal("late@example.jp", withdrawn.Email);
        Assert.Null(await app.QueryOneAsync<string?>("SELECT provider_registrant_id FROM registrations WHERE email = 'late@example.jp'"));
    }

    [Fact]
    public async Task Each_installation_finds_only_its_own_meetings()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var staging = await StartAsync(zoom);
        await using var production = await StartAsync(zoom);
        var (_, stagingEvent) = await staging.ProviderEventAsync("Zoom");
        var (_, productionEvent) = await production.ProviderEventAsync("Zoom");
        Assert.Equal(stagingEvent, productionEvent);   // both databases' first event: the same id
        Assert.Equal(OutboxResult.Done, await staging.RunDirectlyAsync(stagingEvent, MeetingSync.Create));
        Assert.Equal(OutboxResult.Done, await production.RunDirectlyAsync(productionEvent, MeetingSync.Create));
        Assert.Equal(2, zoom.Meetings.Count);
        Assert.NotEqual(
            (await staging.MeetingAsync(stagingEvent)).MeetingExternalId,
            (await production.MeetingAsync(productionEvent)).MeetingExternalId);
    }
}
