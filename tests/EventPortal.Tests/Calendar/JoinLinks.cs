using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Calendar;

/// <summary>
/// <c>/j/{token}</c> and <c>/w/{token}</c>: the meeting and the recording open only for the
/// registration they belong to, at the right time; their URLs appear nowhere public.
/// </summary>
public sealed class JoinLinks : IAsyncLifetime
{
    const string MeetingUrl = "https://meeting.example/j/secret-meeting-7781";
    const string RecordingUrl = "https://video.example/secret-recording-5521";
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    readonly TestClock _clock = new(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero));
    PortalApp _app = null!;
    string _slug = "";

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync(clock: _clock);
        _slug = await _app.CreateEventAsync(liveSeats: 1, startsAt: Start);
        await _app.ExecuteAsync("UPDATE events SET meeting_url = @MeetingUrl WHERE slug = @_slug", new { MeetingUrl, _slug });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    async Task<(string Manage, string Join, string Watch)> RegisterAsync(string email, string ticket = "live")
    {
        using var client = _app.Client();
        var manage = await client.RegisteredAsync(_slug, email, ticket);
        return (manage, await LinkAsync(manage, "j"), await LinkAsync(manage, "w"));
    }

    [Fact]
    public async Task The_join_link_opens_from_doors_open_until_the_grace_period_ends()
    {
        var (manage, join, _) = await RegisterAsync("live@example.jp");
        using var client = _app.Client();
        // The invite and the personal page carry exactly this link.
        var invite = (await CalendarCheck.ParseAsync(await client.GetByteArrayAsync($"{manage}/invite.ics")))[0];
        Assert.EndsWith(join, invite.Str("location"));
        Assert.Contains(join, await client.GetStringAsync(manage));

        _clock.Now = new DateTimeOffset(Start.AddMinutes(-6));
        var early = await client.GetAsync(join);
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        var page = await early.Content.ReadAsStringAsync();
        Assert.Contains("2030年3月6日(水) 11:55(日本時間)から使えます", page);
        Assert.DoesNotContain("secret-meeting", page);

        _clock.Now = new DateTimeOffset(Start.AddMinutes(-5));
        var open = await client.GetAsync(join);
        Assert.Equal(HttpStatusCode.Redirect, open.StatusCode);
        Assert.Equal(MeetingUrl, open.Headers.Location!.ToString());
        Assert.Equal("no-referrer", open.Headers.GetValues("Referrer-Policy").Single());

        _clock.Now = new DateTimeOffset(Start.AddHours(1).AddMinutes(30));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(join)).StatusCode);

        _clock.Now = new DateTimeOffset(Start.AddHours(1).AddMinutes(31));
        var late = await client.GetAsync(join);
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Contains("このイベントは終了しました。", await late.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_join_link_refuses_cancelled_waitlisted_and_recording_registrations()
    {
        var (manage, cancelledJoin, _) = await RegisterAsync("seat@example.jp");
        var (_, waitlistedJoin, _) = await RegisterAsync("waiting@example.jp");
        using var client = _app.Client();
        var recordingManage = await client.RegisteredAsync(_slug, "rec@example.jp", "recording");
        Assert.DoesNotContain("/j/", await client.GetStringAsync(recordingManage));

        _clock.Now = new DateTimeOffset(Start);
        var waitlisted = await client.GetAsync(waitlistedJoin);
        Assert.Equal(HttpStatusCode.OK, waitlisted.StatusCode);
        Assert.Contains("キャンセル待ち", await waitlisted.Content.ReadAsStringAsync());

        using var browser = _app.Browser();
        await browser.CancelAsync(manage);
        var cancelled = await client.GetAsync(cancelledJoin);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Contains("キャンセルされている", await cancelled.Content.ReadAsStringAsync());

        // The freed seat went to the waitlisted registration, whose link now opens.
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(waitlistedJoin)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/j/AAAAAAAAAAAAAAAAAAAAAAAA")).StatusCode);
    }

    [Fact]
    public async Task A_recording_ticket_has_no_live_door()
    {
        using var client = _app.Client();
        var manage = await client.RegisteredAsync(_slug, "rec-only@example.jp", "recording");
        // The join token exists for every registration; for a recording ticket it explains instead of redirecting.
        var join = await JoinPathAsync(manage);
        _clock.Now = new DateTimeOffset(Start);
        var response = await client.GetAsync(join);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("録画視聴チケット", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_recording_link_opens_once_set_and_until_it_expires()
    {
        using var client = _app.Client();
        var manage = await client.RegisteredAsync(_slug, "watcher@example.jp", "recording");
        var watch = await WatchPathAsync(manage);
        _clock.Now = new DateTimeOffset(Start.AddDays(1));

        var notYet = await client.GetAsync(watch);
        Assert.Contains("録画はまだ公開されていません", await notYet.Content.ReadAsStringAsync());

        await _app.ExecuteAsync("UPDATE events SET recording_url = @RecordingUrl, recording_available_until = @until WHERE slug = @_slug",
            new { RecordingUrl, until = Start.AddDays(30), _slug });
        var open = await client.GetAsync(watch);
        Assert.Equal(HttpStatusCode.Redirect, open.StatusCode);
        Assert.Equal(RecordingUrl, open.Headers.Location!.ToString());

        _clock.Now = new DateTimeOffset(Start.AddDays(31));
        Assert.Contains("公開期間は終了しました", await (await client.GetAsync(watch)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Meeting_and_recording_URLs_appear_on_no_public_page_ics_or_api()
    {
        await _app.ExecuteAsync("UPDATE events SET recording_url = @RecordingUrl WHERE slug = @_slug", new { RecordingUrl, _slug });
        var (manage, _, _) = await RegisterAsync("scan@example.jp");
        using var client = _app.Client();
        _clock.Now = new DateTimeOffset(Start.AddMinutes(10));

        foreach (var path in new[]
        {
            "/", $"/events/{_slug}", $"/events/{_slug}/event.ics", "/api/events", $"/api/events/{_slug}",
            manage, $"{manage}/invite.ics", $"{manage}/cancel"
        })
        {
            var body = await client.GetStringAsync(path);
            Assert.DoesNotContain("secret-meeting", body);
            Assert.DoesNotContain("secret-recording", body);
        }
    }

    Task<string> JoinPathAsync(string manage) => LinkAsync(manage, "j");
    Task<string> WatchPathAsync(string manage) => LinkAsync(manage, "w");

    /// <summary>The personal /j/ or /w/ path of a registration, derived the way the app derives it.</summary>
    Task<string> LinkAsync(string manage, string kind)
    {
        var id = EventPortal.Web.Registrations.Tokens.IdOf(manage[3..]);
        return kind == "j" ? _app.JoinPathAsync(id) : _app.WatchPathAsync(id);
    }
}
