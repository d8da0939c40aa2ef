using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Mail;

/// <summary>Mail through a real SMTP server (aiosmtpd) started by the test, read back with Python's MIME parser.</summary>
public sealed class MailDelivery : IAsyncLifetime
{
    SmtpServer _smtp = null!;
    PortalApp _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpServer.StartAsync(new SmtpServerOptions(Reject: "^reject-"));
        _app = await StartAppAsync(_smtp.Port);
    }

    public static Task<PortalApp> StartAppAsync(int smtpPort, Dictionary<string, string?>? more = null)
    {
        var settings = SmtpSettings(smtpPort);
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return PortalApp.StartSqliteAsync(settings: settings);
    }

    /// <summary>Mail to the test's SMTP server, polled and retried quickly.</summary>
    public static Dictionary<string, string?> SmtpSettings(int smtpPort) => new()
    {
        ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
        ["EventPortal:Mail:Transport"] = "Smtp",
        ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
        ["EventPortal:Mail:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EventPortal:Mail:From"] = "noreply@portal.example.jp",
        ["EventPortal:Mail:FromName"] = "説明会事務局",
        ["EventPortal:Outbox:PollSeconds"] = "0.2",
        ["EventPortal:Outbox:RetryBaseSeconds"] = "0.5",
    };

    const string ConfirmationRow = "kind = 'mail.registration_confirmed'";

    /// <summary>Waits until the confirmation's outbox row is waiting for another try, and returns its last error.</summary>
    public static async Task<string> RetryErrorAsync(PortalApp app, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var rows = await app.QueryAsync<string>(
                $"SELECT status || ' ' || attempts || ' ' || COALESCE(last_error, '') FROM outbox WHERE {ConfirmationRow}");
            if (rows is [var row] && row.StartsWith("retry ", StringComparison.Ordinal) && row.Split(' ', 3)[2].Length > 0)
                return row.Split(' ', 3)[2];
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the confirmation was not retrying with an error within {wait.TotalSeconds} s: " +
                                           string.Join(" | ", rows));
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    async Task<IReadOnlyList<ReceivedMail>> MailTo(string address, int expected)
    {
        var all = await _smtp.MessagesAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (all.Count(m => m.RcptTos.Contains(address)) < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            all = await _smtp.MessagesAsync();
        }
        await Task.Delay(700); // anything extra that was going to arrive, arrives
        return (await _smtp.MessagesAsync()).Where(m => m.RcptTos.Contains(address)).ToList();
    }

    [Fact]
    public async Task One_registration_delivers_exactly_one_confirmation_with_the_invite_inside()
    {
        var slug = await _app.CreateEventAsync(title: "成果報告会:支援者を支えるメンタリング");
        using var client = _app.Client();
        var personal = await client.RegisteredAsync(slug, "hanako@example.jp");

        var mail = Assert.Single(await MailTo("hanako@example.jp", 1));

        Assert.Equal("multipart/mixed{multipart/alternative{text/plain,text/html,text/calendar},application/ics}", mail.Structure);
        Assert.Equal("【お申し込み完了】成果報告会:支援者を支えるメンタリング", mail.Subject);
        Assert.Equal("説明会事務局", mail.FromName);
        Assert.Equal("noreply@portal.example.jp", mail.FromAddress);
        Assert.Equal("hanako@example.jp", mail.To);
        Assert.Equal("auto-generated", mail.Header("Auto-Submitted"));
        Assert.Contains("office@example.jp", mail.Header("Reply-To"));
        Assert.EndsWith("@portal.example.jp>", mail.MessageId);
        var calendarPart = mail.Part("text/calendar")!.Value;
        Assert.Equal("REQUEST", calendarPart.GetProperty("params").GetProperty("method").GetString(), ignoreCase: true);

        var text = mail.Text("text/plain")!;
        Assert.Contains("山田 花子", text);
        Assert.Contains($"https://portal.example.jp{personal}", text);
        Assert.Matches("https://portal.example.jp/j/[A-Za-z0-9_-]{24}", text);
        var html = mail.Text("text/html")!;
        Assert.Contains("<html lang=\"ja\"", html);
        // No hidden preheader (1 px text, display:none): spam filters score it.
        Assert.DoesNotContain("display:none", html);
        Assert.DoesNotContain("font-size:1px", html);

        foreach (var parsed in await CalendarCheck.ParseAsync(mail.Bytes("text/calendar")!))
        {
            Assert.Equal("REQUEST", parsed.Method);
            Assert.Contains("hanako@example.jp", parsed.Event.GetProperty("attendees")[0].GetString(), StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(mail.Bytes("text/calendar"), mail.Bytes("application/ics", "invite.ics"));
        Assert.Equal("sent", await _app.QueryOneAsync<string>(
            "SELECT status FROM outbox WHERE kind = 'mail.registration_confirmed' " +
            "AND registration_id = (SELECT id FROM registrations WHERE email_normalized = 'hanako@example.jp')"));
    }

    [Fact]
    public async Task The_waitlist_gets_a_notice_without_an_invite_then_an_invite_when_promoted()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1);
        using var client = _app.Client();
        var first = await client.RegisteredAsync(slug, "first-seat@example.jp");
        await client.RegisteredAsync(slug, "second-wait@example.jp");

        var notice = Assert.Single(await MailTo("second-wait@example.jp", 1));
        Assert.StartsWith("【キャンセル待ち】", notice.Subject);
        Assert.Null(notice.Part("text/calendar"));

        using var browser = _app.Browser();
        await browser.CancelAsync(first);

        var cancelled = (await MailTo("first-seat@example.jp", 2)).Single(m => m.Subject.StartsWith("【キャンセル完了】", StringComparison.Ordinal));
        Assert.Equal(
            "CANCEL",
            cancelled.Part("text/calendar")!.Value.GetProperty("params").GetProperty("method").GetString(),
            ignoreCase: true);
        foreach (var parsed in await CalendarCheck.ParseAsync(cancelled.Bytes("text/calendar")!))
            Assert.Equal("CANCELLED", parsed.Str("status"));

        var promoted = (await MailTo("second-wait@example.jp", 2)).Single(m => m.Subject.StartsWith("【参加確定】", StringComparison.Ordinal));
        Assert.Equal(
            "REQUEST",
            promoted.Part("text/calendar")!.Value.GetProperty("params").GetProperty("method").GetString(),
            ignoreCase: true);
    }

    [Fact]
    public async Task An_English_registrant_gets_English_mail()
    {
        var slug = await _app.CreateEventAsync();
        using var client = _app.Client("en");
        await client.RegisteredAsync(slug, "english@example.jp");

        var mail = Assert.Single(await MailTo("english@example.jp", 1));
        Assert.StartsWith("Registration confirmed", mail.Subject);
        Assert.Contains("<html lang=\"en\"", mail.Text("text/html")!);
    }

    [Fact]
    public async Task A_permanent_rejection_ends_failed_with_its_reason()
    {
        var slug = await _app.CreateEventAsync();
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "reject-me@example.jp");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string status;
        do
        {
            await Task.Delay(200);
            status = await _app.QueryOneAsync<string>(
                "SELECT status FROM outbox WHERE kind = 'mail.registration_confirmed' " +
                "AND registration_id = (SELECT id FROM registrations WHERE email_normalized = 'reject-me@example.jp')");
        } while (status != "failed" && DateTime.UtcNow < deadline);

        Assert.Equal("failed", status);
        Assert.Contains("550", await _app.QueryOneAsync<string>(
            "SELECT last_error FROM outbox WHERE kind = 'mail.registration_confirmed' " +
            "AND registration_id = (SELECT id FROM registrations WHERE email_normalized = 'reject-me@example.jp')"));
        Assert.Equal(1, await _app.QueryOneAsync<int>(
            "SELECT attempts FROM outbox WHERE kind = 'mail.registration_confirmed' " +
            "AND registration_id = (SELECT id FROM registrations WHERE email_normalized = 'reject-me@example.jp')"));
    }

    [Fact]
    public async Task Header_like_text_in_names_and_titles_injects_no_header()
    {
        var slug = await _app.CreateEventAsync(title: "説明会\r\nBcc: victim@example.com");
        await _app.ExecuteAsync(
            "UPDATE events SET organiser_name = @name WHERE slug = @slug", new { name = "事務局\r\nX-Injected: yes", slug });
        using var client = _app.Client();
        var response = await client.PostAsJsonAsync($"/api/events/{slug}/registrations", new
        {
            familyName = "山田 Bcc: evil@example.com", givenName = "花子", email = "inject@example.jp",
            organization = "x", ticketType = "live", consent = true,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var mail = Assert.Single(await MailTo("inject@example.jp", 1));
        Assert.Equal(["inject@example.jp"], mail.RcptTos);
        Assert.Null(mail.Header("Bcc"));
        Assert.Null(mail.Header("X-Injected"));
        Assert.DoesNotContain(mail.HeaderNames, h => h.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("説明会", mail.Subject);
        Assert.DoesNotContain(await _smtp.MessagesAsync(), m => m.RcptTos.Any(r => r.Contains("victim") || r.Contains("evil")));
    }

    [Fact]
    public async Task Japanese_carrier_addresses_get_their_mail()
    {
        var slug = await _app.CreateEventAsync();
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "carrier..dots.@ezweb.ne.jp");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _smtp.MessagesAsync()).Any(IsCarrierMail) && DateTime.UtcNow < deadline) await Task.Delay(200);
        var mail = Assert.Single(await _smtp.MessagesAsync(), IsCarrierMail);
        Assert.Contains("ezweb.ne.jp", mail.To);

        static bool IsCarrierMail(ReceivedMail m) => m.RcptTos.Any(r => r.Contains("carrier..dots.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Didnt_get_the_mail_resends_to_registered_addresses_and_says_the_same_to_everyone()
    {
        var slug = await _app.CreateEventAsync();
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "resend-me@example.jp");
        Assert.Single(await MailTo("resend-me@example.jp", 1));

        using var browser = _app.Browser();
        var known = await browser.SubmitAsync(
            $"/events/{slug}/resend", $"/events/{slug}/resend", new Dictionary<string, string> { ["email"] = "Resend-Me@example.jp" });
        var unknown = await browser.SubmitAsync(
            $"/events/{slug}/resend", $"/events/{slug}/resend", new Dictionary<string, string> { ["email"] = "nobody@example.jp" });

        Assert.Equal(HttpStatusCode.SeeOther, known.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(known.Headers.Location, unknown.Headers.Location);
        Assert.Equal(2, (await MailTo("resend-me@example.jp", 2)).Count);
        Assert.Empty(await MailTo("nobody@example.jp", 0));
    }
}
