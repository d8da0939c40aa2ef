using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Tests.Mail;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Corrections (訂正): the registrant on <c>/r/{token}/details</c> while the ticket is sold, staff on the console's
/// edit page (the address too); checked by the registration rules, audited with before and after, a new invite
/// when the name or address changed; on SQLite and on PostgreSQL, mail read from a real SMTP server.
/// </summary>
public abstract class CorrectionTests : IAsyncLifetime
{
    SmtpServer _smtp = null!;
    PortalApp _app = null!;
    string _slug = "";

    protected abstract Task<PortalApp> StartAsync(Dictionary<string, string?> settings);

    public async Task InitializeAsync()
    {
        _smtp = await SmtpServer.StartAsync();
        var settings = MailDelivery.SmtpSettings(_smtp.Port);
        foreach (var (k, v) in Organisers.Bootstrap()) settings[k] = v;
        _app = await StartAsync(settings);
        _slug = await _app.CreateEventAsync(liveSeats: 10);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    static Dictionary<string, string> Details(string family = "山田", string reading = "ヤマダ ハナコ") => new()
    {
        ["familyName"] = family, ["givenName"] = "花子", ["reading"] = reading, ["organization"] = "テスト市役所",
        ["category"] = "municipal",
    };

    async Task<(string Manage, long Id)> RegisteredAsync(string email)
    {
        using var client = _app.Client();
        var manage = await client.RegisteredAsync(_slug, email);
        await _smtp.MailToAsync(email);   // the confirmation
        return (manage, await _app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email = @email", new { email }));
    }

    Task<int> AuditRowsAsync() => _app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.correct'");

    [Fact]
    public async Task A_registrant_corrects_their_name_and_gets_the_invite_again_with_it()
    {
        var (manage, id) = await RegisteredAsync("self@example.jp");
        using var browser = _app.Browser();

        var response = await browser.SubmitAsync($"{manage}/details", $"{manage}/details",
            Details(family: "山中", reading: "やまなか はなこ"));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal($"{manage}?done=corrected", response.Headers.Location!.OriginalString);
        Assert.Equal(("山中", "ヤマナカ\u3000ハナコ"), await _app.QueryOneAsync<(string, string)>(
            "SELECT family_name, reading FROM registrations WHERE id = @id", new { id }));
        var (actor, detail) = await _app.QueryOneAsync<(string, string)>(
            "SELECT actor, detail FROM audit_log WHERE action = 'registration.correct' AND target = @t", new { t = $"registration:{id}" });
        Assert.Equal("registrant", actor);
        Assert.Contains("familyName: 山田 → 山中", detail);
        Assert.Contains("reading:  → ヤマナカ\u3000ハナコ", detail);   // registered by the API, which asks for no reading
        var again = (await _smtp.MailToAsync("self@example.jp", count: 2))[1];
        var ics = again.Bytes("text/calendar")!;
        await CalendarCheck.ParseAsync(ics);
        Assert.Contains("CN=山中 花子", System.Text.Encoding.UTF8.GetString(ics).Replace("\r\n ", ""));
    }

    [Fact]
    public async Task Correcting_only_the_organisation_sends_no_new_invite()
    {
        var (manage, id) = await RegisteredAsync("org@example.jp");
        using var browser = _app.Browser();
        var details = Details();
        details["organization"] = "テスト町役場";

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync($"{manage}/details", $"{manage}/details", details)).StatusCode);
        Assert.Equal("テスト町役場", await _app.QueryOneAsync<string>("SELECT organization FROM registrations WHERE id = @id", new { id }));
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'correct:%'"));
    }

    [Theory]
    [InlineData("familyName", "", "error.required")]
    [InlineData("reading", "Yamada", "error.katakana")]
    [InlineData("familyName", "山\u202E田", "error.badCharacters")]
    [InlineData("category", "nobody", "error.unknownCategory")]
    public async Task A_wrong_value_is_named_and_nothing_changes(string field, string value, string _)
    {
        var (manage, _) = await RegisteredAsync("wrong@example.jp");
        using var browser = _app.Browser();
        var details = Details(family: "変更");
        details[field] = value;

        var response = await browser.SubmitAsync($"{manage}/details", $"{manage}/details", details);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"href=\"#f-{field}\"", await response.Content.ReadAsStringAsync());
        Assert.Equal("山田", await _app.QueryOneAsync<string>("SELECT family_name FROM registrations"));
        Assert.Equal(0, await AuditRowsAsync());
    }

    [Fact]
    public async Task A_registrant_cannot_change_their_address_nor_correct_after_the_sales_end_or_a_cancellation()
    {
        var (manage, _) = await RegisteredAsync("fixed@example.jp");
        using var browser = _app.Browser();
        var details = Details();
        details["email"] = "other@example.jp";
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync($"{manage}/details", $"{manage}/details", details)).StatusCode);
        Assert.Equal("fixed@example.jp", await _app.QueryOneAsync<string>("SELECT email FROM registrations"));

        var page = await browser.GetStringAsync($"{manage}/details");
        await _app.ExecuteAsync("UPDATE ticket_types SET sales_end = @past WHERE code = 'live'",
            new { past = DateTime.UtcNow.AddMinutes(-1) });
        var late = await browser.PostAsync($"{manage}/details",
            new FormUrlEncodedContent(Journeys.WithHiddenFields(page, manage, Details(family: "遅い"))));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.DoesNotContain("name=\"familyName\"", await browser.GetStringAsync($"{manage}/details"));

        await _app.ExecuteAsync("UPDATE ticket_types SET sales_end = NULL");
        await browser.CancelAsync(manage);
        var cancelled = await browser.PostAsync($"{manage}/details",
            new FormUrlEncodedContent(Journeys.WithHiddenFields(page, manage, Details(family: "取消後"))));
        Assert.Equal(HttpStatusCode.Conflict, cancelled.StatusCode);
        Assert.Equal("山田", await _app.QueryOneAsync<string>("SELECT family_name FROM registrations"));
        Assert.Equal(1, await AuditRowsAsync());   // the first save (reading and category), nothing after
    }

    [Fact]
    public async Task A_long_text_ending_in_an_emoji_is_audited_without_splitting_it()
    {
        var (manage, id) = await RegisteredAsync("long@example.jp");
        using var browser = _app.Browser();
        var details = Details();
        details["accessibility"] = new string('あ', 199) + "🇯🇵" + new string('い', 1797);   // 2,000 UTF-16 units

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SubmitAsync($"{manage}/details", $"{manage}/details", details)).StatusCode);
        var detail = await _app.QueryOneAsync<string>("SELECT detail FROM audit_log WHERE action = 'registration.correct'");
        Assert.Contains("accessibility:  → " + new string('あ', 199) + "…", detail);   // not half of the flag's first pair
        Assert.Equal(2000, (await _app.QueryOneAsync<string>("SELECT accessibility FROM registrations WHERE id = @id", new { id })).Length);
    }

    [Fact]
    public async Task Staff_correct_the_address_and_the_invite_goes_to_the_new_one()
    {
        var (_, id) = await RegisteredAsync("typo@exmaple.jp");
        using var organiser = await _app.SignedInAsync();
        var edit = $"/admin/events/{_slug}/registrations/{id}/edit";
        var fields = Details();
        fields["email"] = "typo@example.jp";

        var response = await organiser.SubmitAsync(edit, edit, fields);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("typo@example.jp", await _app.QueryOneAsync<string>("SELECT email_normalized FROM registrations WHERE id = @id",
            new { id }));
        Assert.Single(await _smtp.MailToAsync("typo@example.jp"));
        var (actor, detail) = await _app.QueryOneAsync<(string, string)>(
            "SELECT actor, detail FROM audit_log WHERE action = 'registration.correct'");
        Assert.Equal(Organisers.OwnerEmail, actor);
        Assert.Contains("email: typo@exmaple.jp → typo@example.jp", detail);
        Assert.Contains("typo@exmaple.jp", await organiser.GetStringAsync($"/admin/events/{_slug}/registrations/{id}"));
    }

    [Fact]
    public async Task Staff_add_an_address_to_someone_entered_without_one_and_the_confirmation_goes_there()
    {
        using var organiser = await _app.SignedInAsync();
        await Admin.StaffEntryConsole.EnterAsync(organiser, _slug, Admin.StaffEntryConsole.Person("窓口"));
        var id = await _app.QueryOneAsync<long>("SELECT id FROM registrations WHERE family_name = '窓口'");
        var edit = $"/admin/events/{_slug}/registrations/{id}/edit";
        var fields = await ConsoleForms.FormFieldsAsync(organiser, edit, "form.registration-form");
        Assert.Equal("", fields["email"]);
        fields["email"] = "later@example.jp";

        Assert.Equal(HttpStatusCode.SeeOther, (await organiser.SubmitAsync(edit, edit, fields)).StatusCode);
        Assert.Single(await _smtp.MailToAsync("later@example.jp"));
        Assert.Contains("email:  → later@example.jp",
            await _app.QueryOneAsync<string>("SELECT detail FROM audit_log WHERE action = 'registration.correct'"));
    }

    [Fact]
    public async Task Someone_entered_without_an_address_and_staff_correct_the_rest_without_giving_one()
    {
        using var organiser = await _app.SignedInAsync();
        await Admin.StaffEntryConsole.EnterAsync(organiser, _slug, Admin.StaffEntryConsole.Person("窓口"));
        var id = await _app.QueryOneAsync<long>("SELECT id FROM registrations WHERE family_name = '窓口'");
        var edit = $"/admin/events/{_slug}/registrations/{id}/edit";
        var fields = await ConsoleForms.FormFieldsAsync(organiser, edit, "form.registration-form");
        fields["organization"] = "○○町 福祉課 窓口係";
        Assert.Equal(HttpStatusCode.SeeOther, (await organiser.SubmitAsync(edit, edit, fields)).StatusCode);

        // The person, from the link staff handed them: the form has no address field, and none is asked for.
        var manage = $"/r/{await _app.ManageTokenAsync(id)}";
        using var browser = _app.Browser();
        var response = await browser.SubmitAsync($"{manage}/details", $"{manage}/details", Details(family: "窓口", reading: "まどぐち はなこ"));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(("テスト市役所", "マドグチ\u3000ハナコ", ""), await _app.QueryOneAsync<(string, string, string)>(
            "SELECT organization, reading, email FROM registrations WHERE id = @id", new { id }));
        Assert.Equal(2, await AuditRowsAsync());
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE registration_id = @id", new { id }));
    }

    [Fact]
    public async Task Staff_cannot_give_one_registration_the_address_of_another()
    {
        await RegisteredAsync("first@example.jp");
        var (_, id) = await RegisteredAsync("second@example.jp");
        using var organiser = await _app.SignedInAsync();
        var edit = $"/admin/events/{_slug}/registrations/{id}/edit";
        var fields = Details();
        fields["email"] = "FIRST@example.jp";

        var response = await organiser.SubmitAsync(edit, edit, fields);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("href=\"#f-email\"", await response.Content.ReadAsStringAsync());
        Assert.Equal("second@example.jp", await _app.QueryOneAsync<string>("SELECT email FROM registrations WHERE id = @id", new { id }));
        Assert.Equal(0, await AuditRowsAsync());
    }

    [Fact]
    public async Task Deleting_personal_data_removes_the_values_quoted_by_corrections()
    {
        var (manage, id) = await RegisteredAsync("erase@example.jp");
        using (var browser = _app.Browser())
            await browser.SubmitAsync($"{manage}/details", $"{manage}/details", Details(family: "消去前"));
        using var organiser = await _app.SignedInAsync();
        var erase = $"/admin/events/{_slug}/registrations/{id}/erase";

        Assert.Equal(HttpStatusCode.SeeOther, (await organiser.SubmitAsync(erase, erase, new Dictionary<string, string>())).StatusCode);

        Assert.Equal("personal data deleted", await _app.QueryOneAsync<string>(
            "SELECT detail FROM audit_log WHERE action = 'registration.correct'"));
    }

    [Fact]
    public async Task Another_events_registration_is_not_found_through_this_events_edit_page()
    {
        var (_, id) = await RegisteredAsync("elsewhere@example.jp");
        var other = await _app.CreateEventAsync();
        using var organiser = await _app.SignedInAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await organiser.GetAsync($"/admin/events/{other}/registrations/{id}/edit")).StatusCode);
        using var anonymous = _app.Browser();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/r/not-a-token/details")).StatusCode);
    }
}

public sealed class CorrectionTestsOnSqlite : CorrectionTests
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings) => PortalApp.StartSqliteAsync(settings: settings);
}

public sealed class CorrectionTestsOnPostgres : CorrectionTests
{
    protected override Task<PortalApp> StartAsync(Dictionary<string, string?> settings) => PortalApp.StartPostgresAsync(settings: settings);
}
