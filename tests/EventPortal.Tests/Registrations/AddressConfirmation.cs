using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Registrations;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Address confirmation (double opt-in) on a ticket with a capacity, through a real SMTP server,
/// once on SQLite and once on PostgreSQL. Links are taken from the mail, as the registrant would.
/// </summary>
public abstract class AddressConfirmation : IAsyncLifetime
{
    protected abstract Task<PortalApp> StartAsync(Dictionary<string, string?> settings, TimeProvider clock);

    readonly TestClock _clock = new(DateTimeOffset.UtcNow);
    SmtpServer _smtp = null!;
    PortalApp _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpServer.StartAsync();
        var settings = Mail.MailDelivery.SmtpSettings(_smtp.Port);
        // People other than the draining client come through a proxy that says who they are (SeatDrain below).
        settings["EventPortal:Proxy:KnownProxies:0"] = "127.0.0.1";
        _app = await StartAsync(settings, _clock);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Registering_holds_a_seat_as_pending_and_answers_check_your_mail_without_a_personal_link()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true);
        using var client = _app.Client();
        using var browser = _app.Browser();

        var api = await client.RegisterAsync(slug, "api@example.jp");
        var form = await browser.FormRegisterAsync(slug, Journeys.ValidForm("form@example.jp"));

        Assert.Equal(HttpStatusCode.Accepted, api.StatusCode);
        var body = await api.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("manageUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("inviteUrl").ValueKind);
        Assert.DoesNotContain("/r/", await api.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.SeeOther, form.StatusCode);
        Assert.Equal($"/events/{slug}/check-mail", form.Headers.Location!.OriginalString);
        var page = await browser.GetStringAsync(form.Headers.Location);
        Assert.Contains("確認メールをお送りしました", page);
        Assert.DoesNotContain("/r/", page);

        // Held seats count as taken on the public page; nothing is confirmed yet.
        var live = (await client.GetFromJsonAsync<JsonElement>($"/api/events/{slug}")).GetProperty("ticketTypes")[0];
        Assert.Equal(8, live.GetProperty("seatsLeft").GetInt32());
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'"));

        // The one mail: the link, and no invite, join link or personal page.
        var mail = Assert.Single(await _smtp.MailToAsync("api@example.jp"));
        Assert.Contains("メールアドレスの確認", mail.Subject);
        Assert.Null(mail.Part("text/calendar"));
        var text = mail.Text("text/plain")!;
        Assert.Matches("/r/[A-Za-z0-9_-]{24}/confirm", text);
        Assert.DoesNotContain("/j/", text);
        Assert.DoesNotMatch("/r/[A-Za-z0-9_-]{24}(?!/confirm)", text);
    }

    [Fact]
    public async Task The_mailed_link_confirms_the_seat_opens_the_personal_page_and_then_sends_the_invite_once()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true);
        using var browser = _app.Browser();
        Assert.Equal(HttpStatusCode.Accepted, (await browser.RegisterAsync(slug, "owner@example.jp")).StatusCode);
        var link = await _smtp.ConfirmLinkAsync("owner@example.jp");

        var first = await browser.GetAsync(link);
        var again = await browser.GetAsync(link);   // a second click, or a mail scanner before the person

        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        var personal = first.Headers.Location!.OriginalString;
        Assert.EndsWith("?done=confirmed", personal);
        Assert.Contains("お申し込みが確定しました", await browser.GetStringAsync(personal));
        Assert.Equal(personal[..personal.IndexOf('?')], again.Headers.Location!.OriginalString);
        Assert.Equal("confirmed", await _app.QueryOneAsync<string>("SELECT status FROM registrations"));
        var mails = await _smtp.MailToAsync("owner@example.jp", 2);
        await Task.Delay(700);   // anything extra that was going to arrive, arrives
        mails = await _smtp.MailToAsync("owner@example.jp", 2);
        Assert.Equal(2, mails.Count);
        Assert.NotNull(mails[1].Part("text/calendar"));
        Assert.Contains("/j/", mails[1].Text("text/plain"));
    }

    [Fact]
    public async Task A_pending_registration_gets_no_join_link_no_invite_and_no_switch()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true, startsAt: DateTime.UtcNow.AddMinutes(2));
        using var browser = _app.Browser();
        await browser.RegisterAsync(slug, "held@example.jp");
        var manage = (await _smtp.ConfirmLinkAsync("held@example.jp")).Replace("/confirm", "");
        var id = await _app.QueryOneAsync<long>("SELECT id FROM registrations");
        await _app.ExecuteAsync("UPDATE events SET meeting_url = 'https://zoom.example/j/1'");

        var join = await browser.GetAsync(await _app.JoinPathAsync(id));   // doors are open: only the status refuses
        var page = await browser.GetStringAsync(manage);
        // The page offers no switch while pending; a hand-made post is refused too (the token comes from the cancel step).
        var switched = await browser.SubmitAsync($"{manage}/cancel", $"{manage}/switch",
            new Dictionary<string, string> { ["ticketType"] = "recording" });

        Assert.Equal(HttpStatusCode.OK, join.StatusCode);
        Assert.Contains("メールアドレスの確認が済んでいない", await join.Content.ReadAsStringAsync());
        Assert.DoesNotContain("invite.ics", page);
        Assert.Contains($"{manage}/confirm", page);
        Assert.NotEqual(HttpStatusCode.SeeOther, switched.StatusCode);
        Assert.Equal("pending", await _app.QueryOneAsync<string>("SELECT status FROM registrations"));
    }

    [Fact]
    public async Task A_lapsed_hold_is_released_once_to_the_waitlist_and_its_link_then_says_so()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1, confirmAddress: true);
        using var browser = _app.Browser();
        await browser.RegisterAsync(slug, "holder@example.jp");
        var waiting = await browser.RegisterAsync(slug, "waiting@example.jp");
        Assert.Equal("waitlisted", (await waiting.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        // The waitlist holds no seat, so it keeps no hold either (nor does its mail give a deadline).
        Assert.Equal(0, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM registrations WHERE status = 'waitlisted' AND hold_until IS NOT NULL"));
        await browser.OpenConfirmLinkAsync(_smtp, "waiting@example.jp");
        var sweep = _app.Services.GetRequiredService<HoldSweep>();
        Assert.Equal(0, await sweep.SweepAsync(CancellationToken.None));   // the hold is still running

        _clock.Now = _clock.Now.AddMinutes(31);
        var released = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => sweep.SweepAsync(CancellationToken.None)));

        Assert.Equal(1, released.Sum());
        Assert.Equal("cancelled", await StatusOfAsync("holder@example.jp"));
        Assert.Equal("confirmed", await StatusOfAsync("waiting@example.jp"));
        Assert.Equal(1, await _app.LiveSeatsTakenAsync());
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind = 'mail.registration_promoted'"));
        var late = await browser.OpenConfirmLinkAsync(_smtp, "holder@example.jp");
        Assert.Equal("cancelled", await StatusOfAsync("holder@example.jp"));
        Assert.DoesNotContain("done=confirmed", late);
    }

    [Fact]
    public async Task A_click_just_after_the_hold_ran_out_releases_the_seat_instead_of_confirming_it()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1, confirmAddress: true);
        using var browser = _app.Browser();
        await browser.RegisterAsync(slug, "slow@example.jp");
        var link = await _smtp.ConfirmLinkAsync("slow@example.jp");
        _clock.Now = _clock.Now.AddMinutes(30);

        var landed = await browser.GetAsync(link);

        Assert.EndsWith("?done=lapsed", landed.Headers.Location!.OriginalString);
        Assert.Contains("確認の期限が過ぎた", await browser.GetStringAsync(landed.Headers.Location));
        Assert.Equal("cancelled", await StatusOfAsync("slow@example.jp"));
        Assert.Equal(0, await _app.LiveSeatsTakenAsync());
    }

    [Fact]
    public async Task An_unconfirmed_waitlisted_registration_is_passed_over_until_its_link_is_used()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1, confirmAddress: true);
        using var browser = _app.Browser();
        var seated = await browser.ConfirmedRegistrationAsync(_smtp, slug, "seated@example.jp");
        await browser.RegisterAsync(slug, "unproven@example.jp");        // first in line, never confirms
        await browser.RegisterAsync(slug, "proven@example.jp");
        await browser.OpenConfirmLinkAsync(_smtp, "proven@example.jp");

        await browser.CancelAsync(seated);

        Assert.Equal("confirmed", await StatusOfAsync("proven@example.jp"));
        Assert.Equal("waitlisted", await StatusOfAsync("unproven@example.jp"));
        // Using its link now keeps its place: the seat is gone, and it is next in line.
        await browser.OpenConfirmLinkAsync(_smtp, "unproven@example.jp");
        Assert.Equal("waitlisted", await StatusOfAsync("unproven@example.jp"));
        Assert.Equal(1, await _app.LiveSeatsTakenAsync());
    }

    [Fact]
    public async Task A_repeat_registration_mails_the_link_again_at_most_once_in_ten_minutes()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true);
        using var client = _app.Client();
        await client.RegisterAsync(slug, "again@example.jp");
        await _smtp.MailToAsync("again@example.jp");

        var second = await client.RegisterAsync(slug, "again@example.jp");
        var third = await client.RegisterAsync(slug, "again@example.jp");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var mails = await _smtp.MailToAsync("again@example.jp", 2);
        await Task.Delay(700);
        mails = await _smtp.MailToAsync("again@example.jp", 2);
        Assert.Equal(2, mails.Count);
        Assert.All(mails, m => Assert.Matches("/r/[A-Za-z0-9_-]{24}/confirm", m.Text("text/plain")!));
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    [Fact]
    public async Task One_network_holds_at_most_five_seats_per_event_and_confirmed_ones_do_not_count()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 100, confirmAddress: true);
        var other = await _app.CreateEventAsync(liveSeats: 100, confirmAddress: true);
        using var client = _app.Client("en");

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => client.RegisterAsync(slug, $"drain{i}@example.jp")));

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains("not been confirmed", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(5, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        Assert.Equal(5, await _app.LiveSeatsTakenAsync());   // the other event has no registrations yet
        // Another event has its own count; a confirmed hold makes room for one more.
        Assert.Equal(HttpStatusCode.Accepted, (await client.RegisterAsync(other, "elsewhere@example.jp")).StatusCode);
        var proven = answers.Select((a, i) => (a, i)).First(x => x.a.StatusCode == HttpStatusCode.Accepted).i;
        await client.OpenConfirmLinkAsync(_smtp, $"drain{proven}@example.jp");
        Assert.Equal(HttpStatusCode.Accepted, (await client.RegisterAsync(slug, "one-more@example.jp")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.RegisterAsync(slug, "too-many@example.jp")).StatusCode);
    }

    [Fact]
    public async Task Seat_drain_one_client_holds_five_confirms_none_and_after_the_hold_every_seat_is_back_for_the_waitlist()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true);
        using var client = _app.Client();

        var drain = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.RegisterAsync(slug, $"made-up-{i}@drain.example.jp")));
        foreach (var i in Enumerable.Range(0, 8)) await PersonRegistersAsync(client, slug, i);
        foreach (var i in Enumerable.Range(0, 8)) await client.OpenConfirmLinkAsync(_smtp, $"person-{i}@example.jp");

        Assert.Equal(5, drain.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(35, drain.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(0, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM registrations WHERE email LIKE 'made-up-%' AND status = 'confirmed'"));
        Assert.Equal(3, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE status = 'waitlisted'"));

        _clock.Now = _clock.Now.AddMinutes(31);
        await _app.Services.GetRequiredService<HoldSweep>().SweepAsync(CancellationToken.None);

        Assert.Equal(5, await CountAsync("made-up-%", "cancelled"));
        Assert.Equal(8, await CountAsync("person-%", "confirmed"));
        Assert.Equal(8, await _app.LiveSeatsTakenAsync());
    }

    /// <summary>Someone from a network of their own (through the trusted proxy) registers for the live ticket.</summary>
    static async Task PersonRegistersAsync(HttpClient client, string slug, int i)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{slug}/registrations")
        {
            Content = JsonContent.Create(new
            {
                familyName = "山田", givenName = "花子", email = $"person-{i}@example.jp", organization = "テスト市役所", ticketType = "live",
                consent = true,
            }),
        };
        request.Headers.Add("X-Forwarded-For", $"192.0.2.{i + 1}");
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_ticket_without_address_confirmation_still_confirms_at_once()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true);
        using var client = _app.Client();

        var recording = await client.RegisterAsync(slug, "watcher@example.jp", "recording");

        Assert.Equal(HttpStatusCode.Created, recording.StatusCode);
        Assert.Equal("confirmed", (await recording.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    Task<int> CountAsync(string emailLike, string status) =>
        _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE email LIKE @emailLike AND status = @status",
            new { emailLike, status });

    Task<string> StatusOfAsync(string email) =>
        _app.QueryOneAsync<string>("SELECT status FROM registrations WHERE email_normalized = @email ORDER BY id DESC LIMIT 1",
            new { email });
}

public sealed class SqliteAddressConfirmation : AddressConfirmation
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings, TimeProvider clock) =>
        PortalApp.StartSqliteAsync(settings: settings, clock: clock);
}

public sealed class PostgresAddressConfirmation : AddressConfirmation
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings, TimeProvider clock) =>
        PortalApp.StartPostgresAsync(settings: settings, clock: clock);
}
