using System.Net;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;
using EventPortal.Tests.Mail;

namespace EventPortal.Tests.Admin;

/// <summary>
/// Registrations staff enter from the console (<c>/admin/events/{slug}/registrations/new</c>) for people who applied by
/// phone, FAX or at the counter: with or without an address, by the seat rules of every registration, audited, and
/// mailed only when there is an address. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class StaffEntryConsole
{
    protected abstract Task<PortalApp> StartAsync(Dictionary<string, string?> settings);

    Task<PortalApp> StartAsync() => StartAsync(Organisers.Bootstrap());

    internal static Dictionary<string, string> Person(
        string family, string email = "", string ticket = "live", string channel = "phone") => new()
    {
        ["channel"] = channel, ["familyName"] = family, ["givenName"] = "花子", ["reading"] = "", ["email"] = email,
        ["organization"] = "○○町 福祉課", ["category"] = "", ["ticketType"] = ticket, ["language"] = "ja", ["consent"] = "yes",
    };

    internal static async Task<(HttpResponseMessage Response, string Html)> EnterAsync(HttpClient browser, string slug,
        Dictionary<string, string> fields)
    {
        var path = $"/admin/events/{slug}/registrations/new";
        var page = await browser.GetStringAsync(path);
        var all = Journeys.WithHiddenFields(page, path, fields);
        all.TryAdd("entryKey", new HtmlParser().ParseDocument(page).QuerySelector("input[name=entryKey]")!.GetAttribute("value")!);
        var response = await browser.PostAsync(path, new FormUrlEncodedContent(all));
        return (response, await response.Content.ReadAsStringAsync());
    }

    sealed class Entered
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public string Email { get; init; } = "";
        public string Channel { get; init; } = "";
        public string? EnteredBy { get; init; }
    }

    static Task<Entered> EnteredAsync(PortalApp app, string slug, string family) => app.QueryOneAsync<Entered>(
        "SELECT r.id, r.status, r.email, r.channel, r.entered_by FROM registrations r JOIN events e ON e.id = r.event_id " +
        "WHERE e.slug = @slug AND r.family_name = @family", new { slug, family });

    static Task<int> OutboxRowsAsync(PortalApp app, long id) =>
        app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE registration_id = @id", new { id });

    [Fact]
    public async Task Without_an_address_the_entry_confirms_at_once_shows_the_personal_links_once_queues_nothing_and_is_audited()
    {
        await using var app = await StartAsync();
        // A ticket that confirms addresses by mail: staff vouch for the person, so theirs is confirmed at once.
        var slug = await app.CreateEventAsync(confirmAddress: true);
        using var browser = await app.SignedInAsync();

        var (response, html) = await EnterAsync(browser, slug, Person("電話"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var links = new HtmlParser().ParseDocument(html).QuerySelectorAll(".personal-links code").Select(c => c.TextContent).ToList();
        Assert.Equal(2, links.Count);
        Assert.Contains("電話 花子 さんを参加確定として登録しました", html);
        Assert.Contains("メールは送信しません", html);

        var entered = await EnteredAsync(app, slug, "電話");
        Assert.Equal(("confirmed", "", "phone"), (entered.Status, entered.Email, entered.Channel));
        Assert.False(string.IsNullOrEmpty(entered.EnteredBy));
        Assert.Equal(0, await OutboxRowsAsync(app, entered.Id));
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registration.staff_entry' AND target = @target",
            new { target = $"registration:{entered.Id}" }));

        // The links are the person's own: the personal page opens for anyone who has it, and the join link names the day.
        using var person = app.Client();
        var manage = new Uri(links[0]).AbsolutePath;
        Assert.StartsWith("/r/", manage);
        Assert.Equal(HttpStatusCode.OK, (await person.GetAsync(manage)).StatusCode);
        Assert.StartsWith("/j/", new Uri(links[1]).AbsolutePath);
        Assert.Equal(manage, $"/r/{await app.ManageTokenAsync(entered.Id)}");
        // Shown once: the registration's console page does not show them.
        Assert.DoesNotContain(manage, await browser.GetStringAsync($"/admin/events/{slug}/registrations/{entered.Id}"));

        // A second person without an address is not a repeat of the first: one active registration per address only.
        var (second, _) = await EnterAsync(browser, slug, Person("窓口", channel: "counter"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("counter", (await EnteredAsync(app, slug, "窓口")).Channel);
    }

    [Fact]
    public async Task With_an_address_the_person_receives_the_usual_confirmation_and_a_repeat_is_refused_without_mail()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var app = await StartAsync(Organisers.Bootstrap(MailDelivery.SmtpSettings(smtp.Port)));
        var slug = await app.CreateEventAsync(confirmAddress: true);
        using var browser = await app.SignedInAsync();

        var (response, html) = await EnterAsync(browser, slug, Person("架電", "fax.person@example.jp", channel: "fax"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("確認メールを送信します", html);
        Assert.Empty(new HtmlParser().ParseDocument(html).QuerySelectorAll(".personal-links"));
        var entered = await EnteredAsync(app, slug, "架電");
        Assert.Equal("confirmed", entered.Status);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await smtp.MessagesAsync()).Any(m => m.RcptTos.Contains("fax.person@example.jp")) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        var mail = Assert.Single(await smtp.MessagesAsync(), m => m.RcptTos.Contains("fax.person@example.jp"));
        Assert.StartsWith("【お申し込み完了】", mail.Subject);   // the confirmation with the invite, not the address check

        // The same address again: staff are told, nothing is stored and nothing more is mailed.
        var (repeat, repeatHtml) = await EnterAsync(browser, slug, Person("架電二", "FAX.Person@example.jp"));
        Assert.Equal(HttpStatusCode.Conflict, repeat.StatusCode);
        Assert.Contains("申込済みです", repeatHtml);
        Assert.Contains($"/registrations/{entered.Id}", repeatHtml);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        Assert.Equal(["mail.registration_confirmed"], await app.QueryAsync<string>(
            "SELECT kind FROM outbox WHERE registration_id = @Id AND kind <> 'mail.reminder'", new { entered.Id }));
    }

    [Fact]
    public async Task Entries_take_seats_like_any_registration_waitlisted_when_full_refused_without_a_waitlist_promoted_without_mail()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        var closed = await app.CreateEventAsync(liveSeats: 1, waitlist: false);
        using var browser = await app.SignedInAsync();
        var web = await app.RegisterPersonAsync(slug, "web@example.jp");

        var (waiting, html) = await EnterAsync(browser, slug, Person("待機"));
        Assert.Equal(HttpStatusCode.OK, waiting.StatusCode);
        Assert.Contains("満席のため、待機 花子 さんをキャンセル待ちとして登録しました", html);
        var waitlisted = await EnteredAsync(app, slug, "待機");
        Assert.Equal("waitlisted", waitlisted.Status);

        // The web registrant cancels: the seat goes to the person staff entered, who is owed no mail (no address).
        using (var person = app.Browser())
            Assert.Equal(HttpStatusCode.SeeOther, (await person.CancelAsync($"/r/{await app.ManageTokenAsync(web)}")).StatusCode);
        Assert.Equal("confirmed", await app.StatusAsync(waitlisted.Id));
        Assert.Equal(0, await OutboxRowsAsync(app, waitlisted.Id));

        Assert.Equal(HttpStatusCode.OK, (await EnterAsync(browser, closed, Person("先着"))).Response.StatusCode);
        var (refused, refusedHtml) = await EnterAsync(browser, closed, Person("後着"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("満席です", refusedHtml);
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.slug = @closed", new { closed }));
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM seats s JOIN ticket_types t ON t.id = s.ticket_type_id JOIN events e ON e.id = t.event_id " +
            "WHERE e.slug = @closed AND s.registration_id IS NOT NULL", new { closed }));
    }

    [Fact]
    public async Task Bad_input_is_refused_with_every_problem_beside_its_field_and_changes_nothing()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        var bad = Person("");
        bad["channel"] = "carrier-pigeon";
        bad["email"] = "not an address";
        bad["ticketType"] = "vip";
        bad["language"] = "fr";
        bad.Remove("consent");

        var (response, html) = await EnterAsync(browser, slug, bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var summary = new HtmlParser().ParseDocument(html).QuerySelectorAll(".error-summary a")
            .Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(["#f-familyName", "#f-email", "#f-ticketType", "#f-consent", "#f-channel", "#f-language"], summary);
        Assert.Contains("value=\"not an address\"", html);   // what was typed is kept
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.staff_entry'"));

        // A key this page did not give out is not taken for a fresh one.
        var forged = Person("偽造");
        forged["entryKey"] = "../../etc";
        var (refused, refusedHtml) = await EnterAsync(browser, slug, forged);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("value=\"偽造\"", refusedHtml);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/admin/events/no-such/registrations/new")).StatusCode);
    }

    [Fact]
    public async Task The_same_entry_form_sent_twice_registers_the_person_once()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        var path = $"/admin/events/{slug}/registrations/new";
        var page = await browser.GetStringAsync(path);
        var fields = Journeys.WithHiddenFields(page, path, Person("再送"));
        fields["entryKey"] = new HtmlParser().ParseDocument(page).QuerySelector("input[name=entryKey]")!.GetAttribute("value")!;

        // A reload of the result page, or a double click: both sends carry the form's one key.
        var answers = await Task.WhenAll(browser.PostAsync(path, new FormUrlEncodedContent(fields)),
            browser.PostAsync(path, new FormUrlEncodedContent(fields)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        var again = answers.Single(a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.Contains("二度送信されました", await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.staff_entry'"));
    }
}

public sealed class StaffEntryConsoleOnSqlite : StaffEntryConsole
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings) => PortalApp.StartSqliteAsync(settings: settings);
}

public sealed class StaffEntryConsoleOnPostgres : StaffEntryConsole
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings) => PortalApp.StartPostgresAsync(settings: settings);
}
