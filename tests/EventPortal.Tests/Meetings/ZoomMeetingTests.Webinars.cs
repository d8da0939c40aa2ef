using System.Net;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Meetings;

/// <summary>
/// Zoom webinars (<c>Zoom:Kind=Webinar</c>): the same life as a meeting under <c>/webinars</c>, every attendee a
/// registrant we add.
/// </summary>
public sealed partial class ZoomMeetingTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_webinar_is_made_with_registration_and_Zooms_own_mails_off_and_each_registrant_gets_a_personal_link(string engine)
    {
        await using var zoom = await FakeZoom.StartAsync();
        var settings = MeetingKit.Quick(zoom.Settings(webinar: true));
        await using var app = await PortalApp.StartOnAsync(engine, settings);
        // Starting in two minutes: the doors are open, so /j/ leads to the personal link.
        var (slug, id) = await app.ProviderEventAsync("Zoom", startsAt: DateTime.UtcNow.AddMinutes(2));
        await app.PublishAsync(slug);
        await app.SettledAsync();

        var webinar = Assert.Single(zoom.Meetings);
        Assert.Equal(("webinars", 1), (webinar.Kind, webinar.ApprovalType)); // type 5, registration with manual approval
        foreach (var mail in new[]
                 {
                     "registrants_confirmation_email", "registrants_email_notification", "follow_up_attendees_email_notification",
                     "follow_up_absentees_email_notification", "attendees_and_panelists_reminder_email_notification", "post_webinar_survey",
                 })
            Assert.False(webinar.Setting(mail), mail); // the portal sends its own mails
        Assert.Null(webinar.Setting("join_before_host")); // a meeting's setting, not sent for a webinar
        Assert.Equal(webinar.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (await app.MeetingAsync(id)).MeetingExternalId);

        using var client = app.Client();
        var manage = await client.RegisteredAsync(slug, "hanako@example.jp");
        var registrant = await MeetingKit.WaitAsync(() => zoom.Registrants.SingleOrDefault(r => r.Status == "approved"), app);
        Assert.Equal(("hanako@example.jp", webinar.Id), (registrant.Email, registrant.MeetingId));
        var join = await client.GetAsync(await app.JoinPathAsync(manage));
        Assert.Equal(HttpStatusCode.Found, join.StatusCode);
        Assert.Equal(registrant.JoinUrl, join.Headers.Location!.OriginalString);

        using var browser = app.Browser();
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(manage)).StatusCode);
        await MeetingKit.WaitAsync(() => zoom.Registrants.SingleOrDefault(r => r.Status == "cancelled"), app);
        Assert.All(zoom.Requests.Where(r => r.Contains("/registrants", StringComparison.Ordinal)),
            r => Assert.Contains("/v2/webinars/", r));

        await app.CancelEventAsync(slug);
        await app.SettledAsync();
        Assert.True(Assert.Single(zoom.Meetings).Deleted);
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task A_retried_webinar_create_finds_the_webinar_an_earlier_attempt_made()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await PortalApp.StartSqliteAsync(settings: MeetingKit.Quick(zoom.Settings(webinar: true)));
        zoom.AddOtherMeetings(3); // meetings of the host are not webinars: the search looks among webinars only
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        await app.PublishAsync(slug);
        await app.SettledAsync();
        var first = Assert.Single(zoom.Meetings, m => m.Kind == "webinars");

        // As if our commit had been lost: the stored id is gone, the next sync must find the webinar by its key.
        await app.ExecuteAsync("UPDATE events SET meeting_external_id = NULL, meeting_state = 'pending' WHERE id = @id", new { id });
        await app.PostponeAsync(slug, "成果報告会(延期)", new DateTime(2031, 3, 13, 3, 0, 0, DateTimeKind.Utc),
            new DateTime(2031, 3, 13, 4, 0, 0, DateTimeKind.Utc));
        await app.SettledAsync();
        var webinar = Assert.Single(zoom.Meetings, m => m.Kind == "webinars");
        Assert.Equal((first.Id, "成果報告会(延期)"), (webinar.Id, webinar.Topic));
    }
}
