using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// Importing a list of invitees from a CSV (<c>/admin/events/{slug}/registrations/import</c>): Shift_JIS or UTF-8 with
/// a BOM, a dry run that lists every row's problem and changes nothing, then one transaction that seats people in file
/// order and says per row who was seated, waitlisted, refused or already registered. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class RegistrationImportConsole
{
    protected abstract Task<PortalApp> StartAsync();

    static readonly Encoding ShiftJis = CodePagesEncodingProvider.Instance.GetEncoding(932)!;

    static async Task<(HttpResponseMessage Response, string Html)> CheckAsync(HttpClient browser, string slug, byte[] file)
    {
        var page = await browser.GetStringAsync($"/admin/events/{slug}/registrations/import");
        var response = await browser.PostAsync($"/admin/events/{slug}/registrations/import/check",
            Journeys.Upload(page, "import", file, "招待者.csv"));
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The apply form as the checked page has it, or with <paramref name="csv"/> instead of its text (a changed copy).</summary>
    static async Task<(HttpResponseMessage Response, string Html)> ApplyAsync(HttpClient browser, string slug, string checkedPage,
        bool consent = true, string? csv = null)
    {
        var text = csv ?? new HtmlParser().ParseDocument(checkedPage).QuerySelector("input[name=csv]")!.GetAttribute("value")!;
        var fields = new Dictionary<string, string> { ["csv"] = text };
        if (consent) fields["consent"] = "yes";
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in Journeys.WithHiddenFields(checkedPage, "import", fields)) form.Add(new StringContent(value), name);
        var response = await browser.PostAsync($"/admin/events/{slug}/registrations/import/apply", form);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Each row of a table on the page as its cells' text.</summary>
    static List<string[]> Rows(string html, string table) => new HtmlParser().ParseDocument(html)
        .QuerySelectorAll($"#{table} tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();

    sealed class Imported
    {
        public long Id { get; init; }
        public string FamilyName { get; init; } = "";
        public string Status { get; init; } = "";
        public string Email { get; init; } = "";
        public string Reading { get; init; } = "";
        public string? CategoryCode { get; init; }
        public string TicketCode { get; init; } = "";
        public string Answers { get; init; } = "";
        public string Channel { get; init; } = "";
    }

    static async Task<List<Imported>> ImportedAsync(PortalApp app, string slug) => await app.QueryAsync<Imported>("""
        SELECT r.id, r.family_name, r.status, r.email, r.reading, r.category_code, t.code AS ticket_code, r.answers, r.channel
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id JOIN events e ON e.id = r.event_id
        WHERE e.slug = @slug ORDER BY r.id
        """, new { slug });

    static Task<List<string>> MailKindsAsync(PortalApp app, long id) => app.QueryAsync<string>(
        "SELECT kind FROM outbox WHERE registration_id = @id AND kind <> 'mail.reminder' ORDER BY id", new { id });

    [Fact]
    public async Task A_shift_jis_file_is_checked_without_change_then_registers_everyone_with_their_mail_and_audit_rows()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        await app.ExecuteAsync("""
            INSERT INTO event_questions (event_id, code, label_ja, label_en, kind, options, position)
            SELECT id, 'topics', '関心のあるテーマ', 'Topics', 'multiple',
                '[{"ja":"助成制度","en":"Grants"},{"ja":"事例紹介","en":"Case studies"}]', 1 FROM events WHERE slug = @slug
            """, new { slug });
        using var browser = await app.SignedInAsync();
        var file = ShiftJis.GetBytes("姓,名,フリガナ,メールアドレス,所属,参加者区分,チケット,関心のあるテーマ\r\n" +
            "山田,花子,やまだ はなこ,yamada@example.jp,○○市 企画課,自治体職員,ライブ参加,助成制度、事例紹介\r\n" +
            "佐藤,一郎,,,△△町 総務課,npo,recording,\r\n");

        var (check, html) = await CheckAsync(browser, slug, file);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Contains("問題はありません: 2 人", html);
        Assert.Equal([["2", "山田 花子", "yamada@example.jp", "○○市 企画課", "ライブ参加"], ["3", "佐藤 一郎", "", "△△町 総務課", "録画視聴"]],
            Rows(html, "import-preview"));
        Assert.Empty(await ImportedAsync(app, slug));

        var (apply, result) = await ApplyAsync(browser, slug, html);
        Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
        Assert.Equal([["2", "山田 花子", "yamada@example.jp", "参加確定"], ["3", "佐藤 一郎", "", "参加確定"]], Rows(result, "import-results"));
        var people = await ImportedAsync(app, slug);
        var yamada = people.Single(p => p.FamilyName == "山田");
        Assert.Equal(("confirmed", "ヤマダ\u3000ハナコ", "municipal", "live", "import"),
            (yamada.Status, yamada.Reading, yamada.CategoryCode, yamada.TicketCode, yamada.Channel));
        Assert.Contains("事例紹介", yamada.Answers);
        var sato = people.Single(p => p.FamilyName == "佐藤");
        Assert.Equal(("confirmed", "", "recording"), (sato.Status, sato.Email, sato.TicketCode));
        // Mail as usual for an address (no address check: staff vouch), none without one.
        Assert.Equal(["mail.registration_confirmed"], await MailKindsAsync(app, yamada.Id));
        Assert.Empty(await MailKindsAsync(app, sato.Id));
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.import'"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'event.import'"));
    }

    [Fact]
    public async Task A_utf8_file_with_a_bom_and_english_headers_is_read_by_names_and_codes()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        var file = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(
            "Family name,Given name,E-mail,Organization,Category,Ticket\r\n" +
            "Smith,Anna,anna@example.jp,City of Sapporo,Municipal staff,Live\r\n"))
            .ToArray();

        var (check, html) = await CheckAsync(browser, slug, file);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var (apply, _) = await ApplyAsync(browser, slug, html);
        Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
        var anna = Assert.Single(await ImportedAsync(app, slug));
        Assert.Equal(("Smith", "anna@example.jp", "municipal", "live", "confirmed"),
            (anna.FamilyName, anna.Email, anna.CategoryCode, anna.TicketCode, anna.Status));
    }

    [Fact]
    public async Task The_dry_run_lists_every_bad_row_and_nothing_is_applied_while_one_remains_even_from_a_changed_copy()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        const string Bad = "姓,名,メールアドレス,所属,チケット\r\n" +
            ",花子,a@example.jp,○○市,live\r\n" +           // row 2: no family name
            "鈴木,次郎,not-an-address,○○市,live\r\n" +     // row 3: not an address
            "高橋,三郎,c@example.jp,○○市,vip\r\n" +        // row 4: no such ticket
            "田中,四郎,d@example.jp,○○市,live\r\n" +
            "田中,史朗,D@example.jp,○○市,live\r\n" +       // row 6: the same address as row 5
            "伊藤,五郎,e@example.jp,○○市,live\r\n";

        var (check, html) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes(Bad));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, check.StatusCode);
        var problems = Rows(html, "import-problems");
        Assert.Equal(["2 姓", "3 メールアドレス", "4 チケット", "6 メールアドレス"], problems.Select(p => $"{p[0]} {p[1]}"));
        Assert.Equal("5 行目と同じメールアドレスです。", problems[3][2]);
        Assert.Empty(new HtmlParser().ParseDocument(html).QuerySelectorAll("input[name=csv]"));

        // The apply step checks what it is sent: the bad rows sent back, or good rows without the consent, change nothing.
        var (tampered, tamperedHtml) = await ApplyAsync(browser, slug, html, csv: Bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tampered.StatusCode);
        Assert.Contains("4 件の問題があります", tamperedHtml);
        var (noConsent, _) = await ApplyAsync(browser, slug, html, consent: false, csv: "姓,名,所属,チケット\r\n伊藤,五郎,○○市,live\r\n");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noConsent.StatusCode);
        Assert.Empty(await ImportedAsync(app, slug));

        // The file itself: no header the rules need, empty, too large, too many rows.
        var (header, headerHtml) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes("氏名,メール\r\n山田 花子,a@example.jp\r\n"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, header.StatusCode);
        Assert.Contains("1行目の見出しに必要な列がありません: 姓、名、所属", headerHtml);
        Assert.Equal(HttpStatusCode.BadRequest, (await CheckAsync(browser, slug, [])).Response.StatusCode);
        var (big, bigHtml) = await CheckAsync(browser, slug, new byte[2 * 1024 * 1024 + 1]);
        Assert.Equal(HttpStatusCode.BadRequest, big.StatusCode);
        Assert.Contains("2 MB まで", bigHtml);
        var many = new StringBuilder("姓,名,所属,チケット\r\n");
        for (var i = 0; i < 5001; i++) many.Append("山田,花子,○○市,live\r\n");
        var (tooMany, tooManyHtml) = await CheckAsync(browser, slug, Encoding.UTF8.GetBytes(many.ToString()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMany.StatusCode);
        Assert.Contains("5000 行まで", tooManyHtml);
        Assert.Empty(await ImportedAsync(app, slug));
    }

    [Fact]
    public async Task Over_capacity_rows_are_seated_in_file_order_then_waitlisted_or_refused_and_each_row_says_which()
    {
        await using var app = await StartAsync();
        var waitlist = await app.CreateEventAsync(liveSeats: 2);
        var noWaitlist = await app.CreateEventAsync(liveSeats: 2, waitlist: false);
        using var browser = await app.SignedInAsync();
        var file = Encoding.UTF8.GetBytes("姓,名,メールアドレス,所属,チケット\r\n" +
            "一,花子,one@example.jp,○○市,live\r\n二,花子,two@example.jp,○○市,live\r\n" +
            "三,花子,three@example.jp,○○市,live\r\n四,花子,,○○市,live\r\n");

        var (_, html) = await CheckAsync(browser, waitlist, file);
        var (_, result) = await ApplyAsync(browser, waitlist, html);
        Assert.Equal(["参加確定", "参加確定", "キャンセル待ち", "キャンセル待ち"], Rows(result, "import-results").Select(r => r[3]));
        Assert.Contains("参加確定: 2 人", result);
        var people = await ImportedAsync(app, waitlist);
        Assert.Equal(["confirmed", "confirmed", "waitlisted", "waitlisted"], people.Select(p => p.Status));
        Assert.Equal(["mail.registration_waitlisted"], await MailKindsAsync(app, people[2].Id));
        Assert.Empty(await MailKindsAsync(app, people[3].Id));

        (_, html) = await CheckAsync(browser, noWaitlist, file);
        (_, result) = await ApplyAsync(browser, noWaitlist, html);
        Assert.Equal(["参加確定", "参加確定", "満席のためお断り(キャンセル待ちなし)", "満席のためお断り(キャンセル待ちなし)"],
            Rows(result, "import-results").Select(r => r[3]));
        Assert.Equal(["一", "二"], (await ImportedAsync(app, noWaitlist)).Select(p => p.FamilyName));
    }

    [Fact]
    public async Task Someone_already_registered_with_the_address_is_reported_and_left_as_they_are()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var web = await app.RegisterPersonAsync(slug, "already@example.jp");
        using var browser = await app.SignedInAsync();
        var mailsBefore = await MailKindsAsync(app, web);
        var file = Encoding.UTF8.GetBytes("姓,名,メールアドレス,所属,チケット\r\n" +
            "既存,花子,Already@Example.jp,○○市,recording\r\n新規,太郎,new@example.jp,○○市,live\r\n");

        var (_, html) = await CheckAsync(browser, slug, file);
        var (apply, result) = await ApplyAsync(browser, slug, html);
        Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
        Assert.Equal(["申込済み(同じメールアドレス)", "参加確定"], Rows(result, "import-results").Select(r => r[3]));
        var people = await ImportedAsync(app, slug);
        Assert.Equal(["山田", "新規"], people.Select(p => p.FamilyName));   // the web registration is unchanged (live, its name)
        Assert.Equal("live", people[0].TicketCode);
        Assert.Equal(mailsBefore, await MailKindsAsync(app, web));           // and is not mailed again
    }
}

public sealed class RegistrationImportConsoleOnSqlite : RegistrationImportConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class RegistrationImportConsoleOnPostgres : RegistrationImportConsole
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
