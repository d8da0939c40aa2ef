using System.Net;
using System.Text;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// What the generated hostile-input test found on the organiser side (Proof/GeneratedHostileInput.Console.cs),
/// each pinned here: a 500, or bad input taken as something else, before the fix. Each answer is a
/// clear error and changes nothing.
/// </summary>
public sealed class OrganiserRefusalTests
{
    [Theory]
    [InlineData("preview")]
    [InlineData("duplicate")]
    [InlineData("registrations/1/resend")]
    public async Task A_blank_event_slug_in_a_console_post_is_not_found(string action)
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        // MVC binds a blank route value as null.
        var answer = await browser.SubmitAsync(
            $"/admin/events/{slug}/edit", $"/admin/events/%20%20/{action}", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task A_checkbox_sent_as_neither_true_nor_false_is_refused_and_nothing_is_saved()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        var slug = await app.CreateEventAsync();
        using var browser = await app.SignedInAsync();
        var answer = await ConsoleForms.EditAsync(browser, slug, f =>
        {
            f["Form.Title"] = "変えたタイトル";
            f["Form.TicketTypes[0].Waitlist"] = "&l";
        });
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.DoesNotContain("変えた", await app.QueryOneAsync<string>("SELECT title FROM events WHERE slug = @slug", new { slug }));
    }

    [Fact]
    public async Task A_reminder_offset_sent_as_a_string_gets_a_422_naming_it()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        var slug = await app.CreateEventAsync();
        using var api = app.Api();
        var answer = await api.PutAsync($"/api/admin/events/{slug}/reminders",
            new StringContent("[{\"offsetMinutes\":\"-60\",\"audience\":\"all\"}]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        Assert.Contains("[0].offsetMinutes", await answer.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("mail/message", "status", "everyone")]
    [InlineData("mail/message", "ticket", "vip")]
    [InlineData("mail/message", "category", "press")]
    [InlineData("mail/rules", "direction0", "sideways")]
    public async Task A_mail_page_choice_that_is_not_offered_is_refused_not_read_as_a_default(string handler, string field, string value)
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(new()
            { ["EventPortal:Outbox:DispatcherEnabled"] = "false" }));
        var slug = await app.CreateEventAsync();
        using (var client = app.Client()) await client.RegisteredAsync(slug, "someone@example.jp");
        using var browser = await app.SignedInAsync();
        var fields = new Dictionary<string, string>
        {
            ["subject"] = "お知らせ", ["body"] = "本文", ["send"] = "yes",
            ["amount0"] = "1", ["unit0"] = "days", ["direction0"] = "before", ["audience0"] = "all",
            [field] = value,
        };
        var (outbox, audit) = await CountsAsync(app);
        var answer = await browser.SubmitAsync($"/admin/events/{slug}/mail", $"/admin/events/{slug}/{handler}", fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        Assert.Contains("role=\"alert\"", await answer.Content.ReadAsStringAsync());
        Assert.Equal((outbox, audit), await CountsAsync(app));
    }

    [Fact]
    public async Task An_account_role_that_is_not_offered_is_refused()
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        using var browser = await app.SignedInAsync();
        var answer = await browser.SubmitAsync("/admin/accounts", "/admin/accounts/add", new Dictionary<string, string>
            { ["email"] = "new@example.jp", ["name"] = "担当", ["role"] = "root", ["password"] = "a long enough password" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admins"));
    }

    [Theory]
    [InlineData("/admin/accounts/disable?id=abc", HttpStatusCode.BadRequest)]
    [InlineData("/admin/accounts/disable?id=999", HttpStatusCode.NotFound)]
    [InlineData("/admin/accounts/enable?id=999", HttpStatusCode.NotFound)]
    [InlineData("/admin/accounts/revoke?id=999", HttpStatusCode.NotFound)]
    [InlineData("/admin/outbox/retry?id=999", HttpStatusCode.NotFound)]
    [InlineData("/admin/outbox/retry?id=1e3", HttpStatusCode.BadRequest)]
    public async Task An_id_that_names_nothing_is_an_error_and_writes_no_audit_line(string action, HttpStatusCode expected)
    {
        await using var app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        using var browser = await app.SignedInAsync();
        var (outbox, audit) = await CountsAsync(app);
        var answer = await browser.SubmitAsync("/admin/accounts", action, new Dictionary<string, string>());
        Assert.Equal(expected, answer.StatusCode);
        Assert.Equal((outbox, audit), await CountsAsync(app));
    }

    [Fact]
    public async Task A_NUL_in_a_registrations_filter_on_PostgreSQL_is_dropped_instead_of_failing()
    {
        await using var app = await PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
        var slug = await app.CreateEventAsync();
        using var api = app.Api();
        foreach (var filter in new[] { "q", "ticket", "category" })
        {
            var json = await api.GetAsync($"/api/admin/events/{slug}/registrations?{filter}=a%00b");
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
            Assert.Equal("[]", await json.Content.ReadAsStringAsync());
        }
    }

    static async Task<(int Outbox, int Audit)> CountsAsync(PortalApp app) =>
        (await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox"), await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log"));
}
