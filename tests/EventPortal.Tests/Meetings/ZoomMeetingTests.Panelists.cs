using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Meetings;

/// <summary>
/// A Zoom webinar's panelists from the event's speakers that have an e-mail address: added when the webinar is made,
/// followed when the speakers change, never added twice (a retry compares with Zoom's list first), and only the portal's
/// own panelists removed.
/// </summary>
public sealed partial class ZoomMeetingTests
{
    static JsonObject SpeakersBody(params (string Name, string? Email)[] speakers) => new()
    {
        ["speakers"] = new JsonArray(speakers.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name, ["affiliation"] = "市役所", ["email"] = s.Email,
        }).ToArray()),
    };

    static async Task SetSpeakersAsync(PortalApp app, string slug, params (string Name, string? Email)[] speakers)
    {
        using var api = app.Api();
        await api.PatchEventAsync(slug, SpeakersBody(speakers));
    }

    static List<string> PanelistsOf(FakeZoom zoom, long webinarId) =>
        zoom.Panelists.Where(p => p.WebinarId == webinarId).Select(p => $"{p.Name} <{p.Email}>").Order(StringComparer.Ordinal).ToList();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_webinars_panelists_are_the_speakers_with_an_address_and_follow_the_speakers_changes(string engine)
    {
        await using var zoom = await FakeZoom.StartAsync();
        var settings = MeetingKit.Quick(zoom.Settings(webinar: true));
        await using var app = await PortalApp.StartOnAsync(engine, settings);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        await SetSpeakersAsync(app, slug, ("山田 花子", "Hanako@Example.jp"), ("佐藤 一郎", null));
        Assert.Empty(zoom.Meetings); // a draft's speakers make no webinar yet

        await app.PublishAsync(slug);
        await app.SettledAsync();
        var webinar = Assert.Single(zoom.Meetings);
        Assert.Equal(["山田 花子 <Hanako@Example.jp>"], PanelistsOf(zoom, webinar.Id));

        // The organiser adds a guest in Zoom; then a speaker with an address joins the event.
        zoom.AddPanelistByHand(webinar.Id, "guest@example.org", "ゲスト");
        await SetSpeakersAsync(app, slug, ("山田 花子", "hanako@example.jp"), ("佐藤 一郎", null), ("鈴木 三郎", "saburo@example.jp"));
        await app.SettledAsync();
        Assert.Equal(["ゲスト <guest@example.org>", "山田 花子 <Hanako@Example.jp>", "鈴木 三郎 <saburo@example.jp>"],
            PanelistsOf(zoom, webinar.Id));

        // A speaker leaves: the portal's panelist goes, the organiser's guest stays.
        await SetSpeakersAsync(app, slug, ("鈴木 三郎", "saburo@example.jp"));
        await app.SettledAsync();
        Assert.Equal(["ゲスト <guest@example.org>", "鈴木 三郎 <saburo@example.jp>"], PanelistsOf(zoom, webinar.Id));
        Assert.Equal(("ready", null), ((await app.MeetingAsync(id)).MeetingState, (await app.MeetingAsync(id)).MeetingError));
        Assert.DoesNotContain("saburo@", await app.PublicTextAsync(slug));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_panelist_add_whose_answer_was_lost_is_not_repeated_by_the_retry(string engine)
    {
        await using var zoom = await FakeZoom.StartAsync();
        var settings = MeetingKit.Quick(zoom.Settings(webinar: true));
        await using var app = await PortalApp.StartOnAsync(engine, settings);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        await SetSpeakersAsync(app, slug, ("山田 花子", "hanako@example.jp"), ("鈴木 三郎", "saburo@example.jp"));
        zoom.LoseNextPanelistAnswer();

        await app.PublishAsync(slug);
        var rows = await app.SettledAsync();

        var webinar = Assert.Single(zoom.Meetings);
        Assert.Equal(["山田 花子 <hanako@example.jp>", "鈴木 三郎 <saburo@example.jp>"], PanelistsOf(zoom, webinar.Id));
        Assert.Equal(1, zoom.PanelistAdds); // the retry found both in Zoom's list
        Assert.Contains(rows, r => r.Kind == "meeting.create" && r.Status == "sent" && r.Attempts >= 2);
        var meeting = await app.MeetingAsync(id);
        Assert.Equal(("ready", null), (meeting.MeetingState, meeting.MeetingError));

        // Running the sync again by hand (as a duplicated row would) changes nothing at Zoom.
        await app.RunDirectlyAsync(id, EventPortal.Web.Meetings.MeetingSync.Update);
        Assert.Equal(1, zoom.PanelistAdds);
        Assert.Equal(2, PanelistsOf(zoom, webinar.Id).Count);
    }

    [Fact]
    public async Task A_zoom_meeting_has_no_panelists_even_when_speakers_have_addresses()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await PortalApp.StartSqliteAsync(settings: MeetingKit.Quick(zoom.Settings()));
        var (slug, _) = await app.ProviderEventAsync("Zoom");
        await SetSpeakersAsync(app, slug, ("山田 花子", "hanako@example.jp"));
        await app.PublishAsync(slug);
        await SetSpeakersAsync(app, slug, ("鈴木 三郎", "saburo@example.jp"));
        await app.SettledAsync();

        Assert.Equal("meetings", Assert.Single(zoom.Meetings).Kind);
        Assert.DoesNotContain(zoom.Requests, r => r.Contains("/panelists", StringComparison.Ordinal));
    }
}
