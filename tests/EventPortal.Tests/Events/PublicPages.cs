using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Events;

/// <summary>The public pages as a visitor meets them: Japanese first, English on request, forms that explain themselves.</summary>
public sealed class PublicPages : IAsyncLifetime
{
    PortalApp _app = null!;
    string _slug = "";

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync();
        _slug = await _app.CreateEventAsync(liveSeats: 100, startsAt: new DateTime(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_home_page_lists_published_upcoming_events_only()
    {
        var draft = await _app.CreateEventAsync(status: "draft");
        var past = await _app.CreateEventAsync(startsAt: DateTime.UtcNow.AddDays(-3));
        using var client = _app.Client();

        var html = await client.GetStringAsync("/");

        Assert.Contains($"href=\"/events/{_slug}\"", html);
        Assert.DoesNotContain(draft, html);
        Assert.DoesNotContain(past, html);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/events/{draft}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/events/{draft}")).StatusCode);
    }

    [Fact]
    public async Task The_event_page_is_Japanese_by_default_with_local_date_doors_and_seats()
    {
        using var client = _app.Client();
        var html = await client.GetStringAsync($"/events/{_slug}");

        Assert.Contains("<html lang=\"ja\">", html);
        Assert.Contains("2030年3月6日(水) 12:00〜13:00 (日本時間)", html);
        Assert.Contains("11:55から入室できます", html);
        Assert.Contains("残り 100 席(定員 100 名)", html);
        Assert.Contains("name=\"__RequestVerificationToken\"", html);
        Assert.Contains("自治体職員", html);
    }

    [Fact]
    public async Task Accept_Language_English_gets_English()
    {
        using var client = _app.Client("en-US,en;q=0.9");
        var html = await client.GetStringAsync($"/events/{_slug}");

        Assert.Contains("<html lang=\"en\">", html);
        Assert.Contains("Wed 6 March 2030, 12:00–13:00 (Japan time)", html);
        Assert.Contains("Doors open at 11:55", html);
        Assert.Contains("Municipal staff", html);
    }

    [Fact]
    public async Task The_language_switch_persists_in_a_cookie_and_only_returns_to_our_own_pages()
    {
        using var browser = _app.Browser("ja");
        var switched = await browser.GetAsync($"/culture/en?returnUrl=/events/{_slug}");
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal($"/events/{_slug}", switched.Headers.Location!.OriginalString);

        // The cookie beats the browser's Accept-Language: ja.
        Assert.Contains("<html lang=\"en\">", await browser.GetStringAsync("/"));
        await browser.GetAsync("/culture/ja?returnUrl=/");
        Assert.Contains("<html lang=\"ja\">", await browser.GetStringAsync("/"));

        foreach (var hostile in new[] { "//evil.example/", "/\\evil.example", "https://evil.example/" })
        {
            var response = await browser.GetAsync($"/culture/en?returnUrl={Uri.EscapeDataString(hostile)}");
            Assert.Equal("/", response.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task The_form_registers_and_lands_on_the_personal_page()
    {
        using var browser = _app.Browser();
        var response = await browser.FormRegisterAsync(_slug, Journeys.ValidForm("form-ok@example.jp"));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var personal = response.Headers.Location!.OriginalString;
        Assert.Matches("^/r/[A-Za-z0-9_-]{24}$", personal);
        var html = await browser.GetStringAsync(personal);
        Assert.Contains("申込完了", html);
        Assert.Contains("山田 花子 様", html);
        Assert.Contains("ライブ参加", html);
        var stored = await _app.QueryOneAsync<string>("SELECT reading FROM registrations WHERE email_normalized = 'form-ok@example.jp'");
        Assert.Equal("ヤマダ\u3000ハナコ", stored);
    }

    [Fact]
    public async Task Registering_again_by_form_says_so_and_creates_nothing()
    {
        using var browser = _app.Browser();
        await browser.FormRegisterAsync(_slug, Journeys.ValidForm("again@example.jp"));
        var again = await browser.FormRegisterAsync(_slug, Journeys.ValidForm("AGAIN@example.jp"));

        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        var html = await browser.GetStringAsync(again.Headers.Location!.OriginalString);
        Assert.Contains("すでにお申し込みいただいています", html);
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE email_normalized = 'again@example.jp'"));
    }

    [Fact]
    public async Task Form_errors_are_summarised_linked_to_their_fields_and_keep_what_was_typed()
    {
        using var browser = _app.Browser();
        var fields = Journeys.ValidForm("typed@example.jp");
        fields["familyName"] = "";
        fields["reading"] = "yamada";
        fields.Remove("consent");

        var response = await browser.FormRegisterAsync(_slug, fields);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("入力内容に 3 件の問題があります", html);
        Assert.Contains("autofocus", html);
        Assert.Contains("href=\"#f-familyName\"", html);
        Assert.Contains("aria-describedby=\"e-familyName\"", html);
        Assert.Contains("aria-invalid=\"true\"", html);
        Assert.Contains("全角カタカナで入力してください。", html);
        Assert.Contains("value=\"yamada\"", html);
        Assert.Contains("value=\"typed@example.jp\"", html);
        Assert.Contains("value=\"municipal\" checked=\"checked\"", html);
    }

    [Fact]
    public async Task Form_errors_come_in_English_for_English_readers()
    {
        using var browser = _app.Browser("en");
        var fields = Journeys.ValidForm("en-errors@example.jp");
        fields["emailConfirmation"] = "other@example.jp";

        var html = await (await browser.FormRegisterAsync(_slug, fields)).Content.ReadAsStringAsync();

        Assert.Contains("The e-mail addresses do not match.", html);
    }

    [Fact]
    public async Task Api_problems_are_in_the_callers_language()
    {
        using var ja = _app.Client();
        using var en = _app.Client("en");
        var body = new { familyName = "山田" };

        var jaProblem = await (await ja.PostAsJsonAsync($"/api/events/{_slug}/registrations", body))
            .Content.ReadFromJsonAsync<JsonElement>();
        var enProblem = await (await en.PostAsJsonAsync($"/api/events/{_slug}/registrations", body))
            .Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("入力してください。", jaProblem.GetProperty("errors").GetProperty("email")[0].GetString());
        Assert.Equal("Please fill this in.", enProblem.GetProperty("errors").GetProperty("email")[0].GetString());
        Assert.Equal(422, enProblem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_sold_out_ticket_without_waitlist_is_shown_and_refused_by_form()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1, waitlist: false);
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "only@example.jp");
        using var browser = _app.Browser();

        var page = await browser.GetStringAsync($"/events/{slug}");
        Assert.Contains("value=\"live\" disabled=\"disabled\"", page);

        var response = await browser.FormRegisterAsync(slug, Journeys.ValidForm("late@example.jp"));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("満席です", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_api_describes_ticket_types_with_seats_left()
    {
        using var client = _app.Client();
        await client.RegisteredAsync(_slug, "api-seat@example.jp");

        var e = await client.GetFromJsonAsync<JsonElement>($"/api/events/{_slug}");
        var live = e.GetProperty("ticketTypes").EnumerateArray().Single(t => t.GetProperty("code").GetString() == "live");
        var recording = e.GetProperty("ticketTypes").EnumerateArray().Single(t => t.GetProperty("code").GetString() == "recording");

        Assert.Equal("ライブ参加", live.GetProperty("name").GetString());
        Assert.Equal(100, live.GetProperty("capacity").GetInt32());
        Assert.True(live.GetProperty("seatsLeft").GetInt32() <= 99);
        Assert.Equal(JsonValueKind.Null, recording.GetProperty("seatsLeft").ValueKind);
        Assert.Equal("2030-03-06T03:00:00+00:00", e.GetProperty("startsAt").GetString());
        var list = await client.GetFromJsonAsync<JsonElement>("/api/events");
        Assert.Contains(list.EnumerateArray(), x => x.GetProperty("slug").GetString() == _slug);
    }

    [Fact]
    public async Task The_api_created_answer_points_at_the_personal_page()
    {
        using var client = _app.Client();
        var response = await client.RegisterAsync(_slug, "links@example.jp");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        var manage = body.GetProperty("manageUrl").GetString()!;
        Assert.StartsWith(_app.BaseAddress.ToString().TrimEnd('/') + "/r/", manage);
        Assert.Equal(manage + "/invite.ics", body.GetProperty("inviteUrl").GetString());
        Assert.Equal(manage, response.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(manage).AbsolutePath)).StatusCode);
    }

    [Theory]
    [InlineData("/r/AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/r/short")]
    [InlineData("/r/%3Cscript%3E")]
    [InlineData("/events/no-such-event")]
    [InlineData("/no/such/page")]
    public async Task Unknown_pages_are_a_Japanese_404(string path)
    {
        using var client = _app.Client();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("ページが見つかりません", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_check_answers()
    {
        using var client = _app.Client();
        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }
}

public sealed class SecurityHeaderTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/healthz")]
    [InlineData("/no/such/page")]
    [InlineData("/admin/signin")]
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        await using var app = await PortalApp.StartSqliteAsync();
        using var client = app.Client();
        var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }
}
