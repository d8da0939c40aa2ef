using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Meetings;

namespace EventPortal.Tests.Meetings;

/// <summary>
/// Linked Teams webinars (<c>Teams:Mode=Webinar</c>) against <see cref="FakeGraph"/>, driven by the real outbox: the organiser
/// links an existing webinar by its link or id, each confirmed live registrant is registered to it, and cancelled when the seat goes.
/// </summary>
public sealed class TeamsWebinarTests
{
    static async Task<PortalApp> StartAsync(FakeGraph graph, string engine = "sqlite")
    {
        var settings = MeetingKit.Quick(graph.MeetingSettings());
        settings["EventPortal:Meetings:Teams:Mode"] = "Webinar";
        return await PortalApp.StartOnAsync(engine, settings, services: graph.ConfigureMeetingServices);
    }

    /// <summary>A published Teams event linked to <paramref name="link"/>, starting in two minutes (doors open: /j/ leads on).</summary>
    static async Task<(string Slug, long Id)> LinkedEventAsync(PortalApp app, string link)
    {
        var (slug, id) = await app.ProviderEventAsync("Teams", startsAt: DateTime.UtcNow.AddMinutes(2));
        using var api = app.Api();
        await api.PatchEventAsync(slug, new System.Text.Json.Nodes.JsonObject { ["meetingUrl"] = link });
        await app.PublishAsync(slug);
        await app.SettledAsync();
        return (slug, id);
    }

    static async Task<string> JoinTargetAsync(PortalApp app, HttpClient client, string manage)
    {
        var join = await client.GetAsync(await app.JoinPathAsync(manage));
        Assert.Equal(HttpStatusCode.Found, join.StatusCode);
        return join.Headers.Location!.OriginalString;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_webinar_linked_by_its_link_registers_each_registrant_serves_their_own_link_and_cancels_lost_seats(string engine)
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph, engine);
        var webinarId = graph.AddWebinar();
        var (slug, id) = await LinkedEventAsync(app, FakeGraph.RegistrationWebUrl(webinarId));
        var stored = await app.MeetingAsync(id);
        Assert.Equal(("ready", webinarId), (stored.MeetingState, stored.MeetingExternalId));

        using var client = app.Client();
        var manage = await client.RegisteredAsync(slug, "hanako@example.jp");
        var registration = await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.SingleOrDefault(), app);
        Assert.Equal((webinarId, "hanako@example.jp", "registered"), (registration.WebinarId, registration.Email, registration.Status));
        Assert.Equal(("Tokyo Standard Time", "ja-jp"), (registration.PreferredTimezone, registration.PreferredLanguage));
        Assert.Equal(registration.JoinWebUrl, await JoinTargetAsync(app, client, manage));

        using var browser = app.Browser();
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(manage)).StatusCode);
        await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.SingleOrDefault(r => r.Status == "canceled"), app);
        Assert.Contains($"POST /v1.0/solutions/virtualEvents/webinars/{webinarId}/registrations/{registration.Id}/cancel",
            graph.Requests.Select(Uri.UnescapeDataString));

        // The event is cancelled: everyone still registered is cancelled too; the webinar stays the organiser's.
        await client.RegisteredAsync(slug, "taro@example.jp");
        await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.SingleOrDefault(r => r.Email == "taro@example.jp"), app);
        await app.CancelEventAsync(slug);
        Assert.All(await app.SettledAsync(), r => Assert.Contains(r.Status, new[] { "sent", "skipped" }));
        Assert.All(graph.WebinarRegistrations, r => Assert.Equal("canceled", r.Status));
        Assert.Equal("deleted", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task A_webinar_linked_by_its_bare_id_registers_confirmed_registrants_from_before_the_link()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var webinarId = graph.AddWebinar();
        var (slug, id) = await app.ProviderEventAsync("Teams", startsAt: DateTime.UtcNow.AddMinutes(2));
        await app.PublishAsync(slug);
        await app.SettledAsync(); // no link yet: the first sync fails and says why
        using var client = app.Client();
        await client.RegisteredAsync(slug, "hanako@example.jp");

        using var api = app.Api();
        await api.PatchEventAsync(slug, new System.Text.Json.Nodes.JsonObject { ["meetingUrl"] = webinarId.ToUpperInvariant() });
        await app.RunDirectlyAsync(id, MeetingSync.Create);
        var registration = await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.SingleOrDefault(), app);
        Assert.Equal("hanako@example.jp", registration.Email);
        Assert.Equal(webinarId, (await app.MeetingAsync(id)).MeetingExternalId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)] // the retry's look-up misses the registration too, so its create meets Graph's 409 and reads it back
    public async Task A_register_whose_answer_was_lost_is_retried_without_a_second_registration(int laggingLookups)
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, _) = await LinkedEventAsync(app, graph.AddWebinar());
        graph.FailAfterRegistering();
        graph.LagLookups(laggingLookups);

        using var client = app.Client();
        var manage = await client.RegisteredAsync(slug, "hanako@example.jp");
        var rows = await app.SettledAsync();
        Assert.Contains(rows, r => r.Kind == "meeting.registrant" && r.Status == "sent" && r.Attempts == 2);
        var registration = Assert.Single(graph.WebinarRegistrations);
        Assert.Equal(laggingLookups == 0 ? 1 : 2,
            graph.Requests.Count(r => r.StartsWith("POST ", StringComparison.Ordinal) && r.EndsWith("/registrations")));
        Assert.Equal(registration.JoinWebUrl, await JoinTargetAsync(app, client, manage));
    }

    [Fact]
    public async Task Switching_to_the_recording_and_erasure_cancel_the_registration_at_Teams()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, _) = await LinkedEventAsync(app, graph.AddWebinar());
        using var client = app.Client();
        var switching = await client.RegisteredAsync(slug, "hanako@example.jp");
        await client.RegisteredAsync(slug, "taro@example.jp");
        await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.Count == 2 ? graph.WebinarRegistrations : null, app);

        using var browser = app.Browser();
        await browser.SwitchAsync(switching, "recording");
        using var console = await app.SignedInAsync();
        var taro = await app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email = 'taro@example.jp'");
        var erase = $"/admin/events/{slug}/registrations/{taro}/erase";
        await console.SubmitAsync(erase, erase, new Dictionary<string, string>());

        var cancelled = await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.All(r => r.Status == "canceled")
            ? graph.WebinarRegistrations : null, app);
        Assert.Equal(2, cancelled.Count);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE provider_registrant_id IS NOT NULL"));
    }

    [Fact]
    public async Task An_address_already_registered_at_Teams_is_reused_not_registered_twice()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var webinarId = graph.AddWebinar();
        var (slug, _) = await LinkedEventAsync(app, webinarId);
        using var client = app.Client();
        await client.RegisteredAsync(slug, "hanako@example.jp");
        var first = await MeetingKit.WaitAsync(() => graph.WebinarRegistrations.SingleOrDefault(), app);

        // As if our commit had been lost: the registration has no link, and its row runs again.
        var registrationId = await app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email = 'hanako@example.jp'");
        await app.ExecuteAsync(
            "UPDATE registrations SET provider_join_url = NULL, provider_registrant_id = NULL WHERE id = @registrationId",
            new { registrationId });
        var eventId = await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug });
        await app.Handler().HandleAsync(new EventPortal.Web.Outbox.OutboxRow
        {
            Id = 0, Kind = MeetingSync.KindPrefix + MeetingSync.Registrant, EventId = eventId, RegistrationId = registrationId,
            Attempts = 1,
        }, CancellationToken.None);

        Assert.Equal(first.Id, Assert.Single(graph.WebinarRegistrations).Id);
        Assert.Equal(first.Id, await app.QueryOneAsync<string>(
            "SELECT provider_registrant_id FROM registrations WHERE id = @registrationId", new { registrationId }));
    }

    [Fact]
    public async Task A_link_that_names_no_webinar_fails_with_a_clear_console_error_and_changes_nothing()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAsync(graph);
        var (slug, id) = await LinkedEventAsync(app, "https://example.com/event/not-a-webinar");

        var row = Assert.Single(await app.SettledAsync());
        Assert.Equal(("failed", 1), (row.Status, row.Attempts));
        var stored = await app.MeetingAsync(id);
        Assert.Equal(("failed", null), (stored.MeetingState, stored.MeetingExternalId));
        Assert.Contains("not a Teams webinar link or id", stored.MeetingError);
        Assert.DoesNotContain(graph.Requests, r => r.Contains("/solutions/", StringComparison.Ordinal));

        using var organiser = await app.SignedInAsync();
        Assert.Contains("not a Teams webinar link or id", await organiser.GetStringAsync("/admin/events"));
    }
}

/// <summary>What an organiser may paste to link a webinar, in the shapes Graph documents.</summary>
public sealed class TeamsWebinarLinkTests
{
    const string Id = "88b245ac-b0b2-f1aa-e34a-c81c27abdac2@f9448ec4-804b-46af-b810-62085248da33";

    [Theory]
    [InlineData(Id)]
    [InlineData("  88B245AC-B0B2-F1AA-E34A-C81C27ABDAC2@F9448EC4-804B-46AF-B810-62085248DA33 ")]
    [InlineData("https://events.teams.microsoft.com/event/" + Id)]
    [InlineData("https://events.teams.microsoft.com/event/88b245ac-b0b2-f1aa-e34a-c81c27abdac2%40f9448ec4-804b-46af-b810-62085248da33")]
    [InlineData("https://events.teams.microsoft.com/event/" + Id + "?lang=ja-jp")]
    public void The_webinar_id_is_read_from_the_id_or_its_registration_link(string pasted) =>
        Assert.Equal(Id, TeamsWebinarLink.IdFrom(pasted));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://example.com/event/" + Id)]
    [InlineData("http://events.teams.microsoft.com/event/" + Id)]
    [InlineData("https://events.teams.microsoft.com/event/not-an-id")]
    [InlineData("88b245ac-b0b2-f1aa-e34a-c81c27abdac2")]
    public void Anything_else_names_no_webinar(string? pasted) => Assert.Null(TeamsWebinarLink.IdFrom(pasted));
}
