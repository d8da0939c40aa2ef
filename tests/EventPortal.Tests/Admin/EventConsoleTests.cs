using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>The event side of the organiser console: create, edit, publish, reschedule, cancel, duplicate, custom questions.</summary>
public sealed class EventConsoleTests : IAsyncLifetime
{
    PortalApp _app = null!;
    HttpClient _browser = null!;

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        _browser = await _app.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _app.DisposeAsync();
    }

    Task<HttpResponseMessage> PostAsync(string slug, string handler) =>
        _browser.SubmitAsync($"/admin/events/{slug}/edit", $"/admin/events/{slug}/{handler}", new Dictionary<string, string>());

    [Fact]
    public async Task A_new_event_is_a_draft_until_published_then_it_is_on_the_home_page()
    {
        var created = await _browser.SubmitAsync("/admin/events/new", "/admin/events/new/save", ConsoleForms.NewEventForm("console-made"));

        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        Assert.Equal("/admin/events/console-made/edit?notice=created", created.Headers.Location!.OriginalString);
        Assert.Equal("draft", await _app.QueryOneAsync<string>("SELECT status FROM events WHERE slug = 'console-made'"));
        // 12:00 in Tokyo is 03:00 UTC.
        Assert.Equal(
            new DateTime(2030, 3, 6, 3, 0, 0),
            await _app.QueryOneAsync<DateTime>("SELECT starts_at FROM events WHERE slug = 'console-made'"));
        Assert.Equal(2, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE e.slug = 'console-made'"));
        using var visitor = _app.Client();
        Assert.DoesNotContain("console-made", await visitor.GetStringAsync("/"));
        var list = await _browser.GetStringAsync("/admin/events");
        Assert.Contains("href=\"/admin/events/console-made/edit\"", list);
        Assert.Contains("href=\"/admin/events/console-made/registrations\"", list);
        Assert.Contains("2030年3月6日(水) 12:00〜13:00 (日本時間)", list);

        var published = await PostAsync("console-made", "publish");

        Assert.Equal(HttpStatusCode.SeeOther, published.StatusCode);
        Assert.Contains("href=\"/events/console-made\"", await visitor.GetStringAsync("/"));
        Assert.Contains("11:55から入室できます", await visitor.GetStringAsync("/events/console-made"));
        Assert.Equal(["event.create", "event.publish"], await _app.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE target = 'console-made' AND actor = @actor ORDER BY id",
            new { actor = Organisers.OwnerEmail }));
    }

    [Fact]
    public async Task A_bad_form_keeps_what_was_typed_and_names_each_field()
    {
        var fields = ConsoleForms.NewEventForm("Bad Slug!");
        fields["Form.Title"] = "";
        fields["Form.EndTime"] = "11:00";
        fields["Form.TicketTypes[0].Capacity"] = "-3";
        fields["Form.OrganiserEmail"] = "not-an-address";

        var response = await _browser.SubmitAsync("/admin/events/new", "/admin/events/new/save", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("class=\"error-summary\"", html);
        foreach (var field in new[] { "slug", "title", "endTime", "ticketTypes[0].capacity", "organiserEmail" })
        {
            Assert.Contains($"href=\"#f-{field}\"", html);
            Assert.Contains($"id=\"e-{field}\"", html);
        }
        Assert.Contains("value=\"Bad Slug!\"", html);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task The_preview_renders_the_Markdown_safely_and_stores_nothing()
    {
        var fields = ConsoleForms.NewEventForm("previewed");
        fields["Form.Description"] = "**太字**\n\n<script>alert(1)</script>";

        var response = await _browser.SubmitAsync("/admin/events/new", "/admin/events/new/preview", fields);

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<strong>太字</strong>", html);
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task Editing_without_a_change_of_time_or_place_tells_nobody()
    {
        var slug = await _app.CreateEventAsync();
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "quiet1@example.jp");
        await client.RegisteredAsync(slug, "quiet2@example.jp", "recording");
        var before = await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox");

        var saved = await ConsoleForms.EditAsync(_browser, slug, f =>
        {
            f["Form.Title"] = "新しいタイトル";
            f["Form.Description"] = "説明を書き直しました。";
            f["Form.DoorsOpenMinutes"] = "10";
        });

        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal("新しいタイトル", await _app.QueryOneAsync<string>("SELECT title FROM events WHERE slug = @slug", new { slug }));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT sequence FROM events WHERE slug = @slug", new { slug }));
        Assert.Equal(before, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox"));
        Assert.Contains("title", await _app.QueryOneAsync<string>(
            "SELECT detail FROM audit_log WHERE action = 'event.update' AND target = @slug", new { slug }));
    }

    [Fact]
    public async Task Raising_the_capacity_promotes_the_oldest_waitlisted_and_unlimited_promotes_the_rest()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1);
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "seated@example.jp");
        await client.RegisteredAsync(slug, "waiting1@example.jp");
        await client.RegisteredAsync(slug, "waiting2@example.jp");
        await client.RegisteredAsync(slug, "waiting3@example.jp");

        Assert.Equal(
            HttpStatusCode.SeeOther,
            (await ConsoleForms.EditAsync(_browser, slug, f => f["Form.TicketTypes[0].Capacity"] = "2")).StatusCode);

        Assert.Equal(["confirmed", "confirmed", "waitlisted", "waitlisted"], await StatusesAsync(slug));
        Assert.Equal(2, await _app.LiveSeatsTakenAsync());
        Assert.Equal(1, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_promoted' AND dedupe_key = 'promoted:' || " +
            "(SELECT id FROM registrations WHERE email_normalized = 'waiting1@example.jp')"));

        Assert.Equal(
            HttpStatusCode.SeeOther,
            (await ConsoleForms.EditAsync(_browser, slug, f => f["Form.TicketTypes[0].Capacity"] = "")).StatusCode);

        Assert.Equal(["confirmed", "confirmed", "confirmed", "confirmed"], await StatusesAsync(slug));
        Assert.Null(await _app.QueryOneAsync<int?>("SELECT capacity FROM ticket_types WHERE code = 'live'"));
        Assert.Equal(3, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_promoted'"));
    }

    [Fact]
    public async Task Lowering_the_capacity_below_the_seats_taken_is_refused_on_that_field()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 5);
        using var client = _app.Client();
        for (var i = 0; i < 3; i++) await client.RegisteredAsync(slug, $"taken{i}@example.jp");

        var response = await ConsoleForms.EditAsync(_browser, slug, f =>
        {
            f["Form.TicketTypes[0].Capacity"] = "2";
            f["Form.Title"] = "変わらないはず";
        });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"e-ticketTypes[0].capacity\"", html);
        Assert.Contains("すでに 3 席が埋まっている", html);
        Assert.Equal(5, await _app.QueryOneAsync<int>("SELECT capacity FROM ticket_types WHERE code = 'live'"));
        Assert.NotEqual("変わらないはず", await _app.QueryOneAsync<string>("SELECT title FROM events WHERE slug = @slug", new { slug }));
    }

    [Fact]
    public async Task Duplicating_makes_a_draft_copy_without_registrations()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10);
        await ConsoleForms.EditAsync(_browser, slug, f => { f["Form.Questions[0].Code"] = "motive"; f["Form.Questions[0].Label"] = "参加の動機";
            f["Form.Speakers[0].Name"] = "山田 太郎"; f["Form.Speakers[0].Affiliation"] = "テスト大学"; });
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "original@example.jp");

        var response = await PostAsync(slug, "duplicate");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var copy = $"{slug}-2";
        Assert.Equal($"/admin/events/{copy}/edit?notice=duplicated", response.Headers.Location!.OriginalString);
        Assert.Equal("draft", await _app.QueryOneAsync<string>("SELECT status FROM events WHERE slug = @copy", new { copy }));
        Assert.Equal(0, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.slug = @copy", new { copy }));
        // Ten free seats on the copy's live ticket, none on the unlimited one.
        Assert.Equal(["live:10:10", "recording::0"], await _app.QueryAsync<string>(
            "SELECT t.code || ':' || COALESCE(t.capacity, '') || ':' || " +
            "(SELECT COUNT(*) FROM seats s WHERE s.ticket_type_id = t.id AND s.registration_id IS NULL) " +
            "FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE e.slug = @copy ORDER BY t.position",
            new { copy }));
        Assert.Equal("参加の動機", await _app.QueryOneAsync<string>(
            "SELECT q.label_ja FROM event_questions q JOIN events e ON e.id = q.event_id WHERE e.slug = @copy", new { copy }));
        Assert.Equal(EventPortal.Web.Data.DemoSeed.StandardCategories.Count, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM event_categories c JOIN events e ON e.id = c.event_id WHERE e.slug = @copy", new { copy }));
        Assert.Contains("value=\"山田 太郎\"", await _browser.GetStringAsync($"/admin/events/{copy}/edit"));
        Assert.Equal(1, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'event.duplicate' AND target = @copy", new { copy }));
    }

    [Fact]
    public async Task A_required_custom_question_is_on_the_public_form_and_enforced_by_form_and_API()
    {
        var slug = await _app.CreateEventAsync();
        var saved = await ConsoleForms.EditAsync(_browser, slug, f =>
        {
            f["Form.Questions[0].Code"] = "motivation"; f["Form.Questions[0].Label"] = "参加の動機"; f["Form.Questions[0].Required"] = "true";
            f["Form.Questions[0].LabelEn"] = "Why are you coming?";
            f["Form.Questions[1].Code"] = "role"; f["Form.Questions[1].Label"] = "役職";
        });
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);

        using var visitor = _app.Browser();
        var page = await visitor.GetStringAsync($"/events/{slug}");
        Assert.Contains("参加の動機", page);
        Assert.Contains("name=\"q-motivation\"", page);
        Assert.Contains("name=\"q-role\"", page);
        using var english = _app.Client("en");
        Assert.Contains("Why are you coming?", await english.GetStringAsync($"/events/{slug}"));

        var missing = await visitor.FormRegisterAsync(slug, Journeys.ValidForm("noanswer@example.jp"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        var html = await missing.Content.ReadAsStringAsync();
        Assert.Contains("href=\"#f-q-motivation\"", html);
        Assert.Contains("id=\"e-q-motivation\"", html);

        var form = Journeys.ValidForm("answered@example.jp");
        form["q-motivation"] = "地域の取り組みを知りたい";
        Assert.Equal(HttpStatusCode.SeeOther, (await visitor.FormRegisterAsync(slug, form)).StatusCode);
        var answers = JsonDocument.Parse(await _app.QueryOneAsync<string>(
            "SELECT answers FROM registrations WHERE email_normalized = 'answered@example.jp'")).RootElement;
        Assert.Equal("地域の取り組みを知りたい", answers.GetProperty("motivation").GetString());

        using var api = _app.Client();
        var body = new Dictionary<string, object>
        {
            ["familyName"] = "山田", ["givenName"] = "花子", ["email"] = "api-q@example.jp",
            ["organization"] = "市", ["ticketType"] = "live", ["consent"] = true
        };
        var noAnswer = await api.PostAsJsonAsync($"/api/events/{slug}/registrations", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noAnswer.StatusCode);
        Assert.True((await noAnswer.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("errors")
            .TryGetProperty("answers.motivation", out _));

        body["answers"] = new Dictionary<string, string> { ["motivation"] = "x", ["favouriteColour"] = "blue" };
        var unknown = await api.PostAsJsonAsync($"/api/events/{slug}/registrations", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.True((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("answers", out _));

        body["answers"] = new Dictionary<string, string> { ["motivation"] = new string('長', 2001) };
        var tooLong = await api.PostAsJsonAsync($"/api/events/{slug}/registrations", body);
        Assert.True((await tooLong.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("errors")
            .TryGetProperty("answers.motivation", out _));

        body["answers"] = new Dictionary<string, string> { ["motivation"] = "API から" };
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/events/{slug}/registrations", body)).StatusCode);
        Assert.Equal(0, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM registrations WHERE email_normalized IN ('noanswer@example.jp')"));
    }

    [Fact]
    public async Task Unpublishing_is_refused_while_people_are_registered()
    {
        var slug = await _app.CreateEventAsync();
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "holder@example.jp");

        var response = await PostAsync(slug, "unpublish");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("published", await _app.QueryOneAsync<string>("SELECT status FROM events WHERE slug = @slug", new { slug }));
    }

    [Fact]
    public async Task Routes_stay_in_their_lanes()
    {
        var slug = await _app.CreateEventAsync();
        Assert.Equal(HttpStatusCode.OK, (await _browser.GetAsync("/admin/events/new")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _browser.GetAsync($"/admin/events/{slug}/edit")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _browser.GetAsync($"/admin/events/{slug}/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync("/admin/events/no-such-event/edit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync($"/admin/events/{slug}/nonsense")).StatusCode);
        Assert.DoesNotContain("event-form", await _browser.GetStringAsync($"/admin/events/{slug}/registrations"));
        using var anonymous = _app.Browser();
        var redirected = await anonymous.GetAsync($"/admin/events/{slug}/edit");
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Contains("/admin/signin", redirected.Headers.Location!.OriginalString);
    }

    Task<List<string>> StatusesAsync(string slug) => _app.QueryAsync<string>(
        "SELECT r.status FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.slug = @slug ORDER BY r.id", new { slug });
}
