using System.Net;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// The registration form's defences against scripts, without a CAPTCHA: a honeypot field and a
/// minimum fill time carried in a signed hidden field. A person who trips one gets a clear message
/// and everything they typed back; nothing is stored.
/// </summary>
public sealed class FormBotChecks : IAsyncLifetime
{
    PortalApp _app = null!;
    string _slug = "";

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync(settings: new Dictionary<string, string?>
        {
            ["EventPortal:Registration:MinFillSeconds"] = "2",
        });
        _slug = await _app.CreateEventAsync(liveSeats: 10, confirmAddress: true);
    }

    public Task DisposeAsync() => _app.DisposeAsync().AsTask();

    [Fact]
    public async Task The_form_carries_a_honeypot_out_of_the_tab_order_and_a_signed_start_time()
    {
        using var browser = _app.Browser();
        var page = await browser.GetStringAsync($"/events/{_slug}");

        Assert.Matches("<div class=\"trap\" aria-hidden=\"true\">\\s*<label for=\"f-website\">", page);
        Assert.Contains("name=\"website\" type=\"text\" value=\"\" tabindex=\"-1\"", page);
        Assert.Matches("name=\"formStarted\" value=\"[^\"]{40,}\"", page);
    }

    [Fact]
    public async Task A_form_sent_back_at_once_is_refused_with_a_request_to_send_it_again_and_keeps_what_was_typed()
    {
        using var browser = _app.Browser();

        var fast = await browser.FormRegisterAsync(_slug, Journeys.ValidForm("quick@example.jp"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, fast.StatusCode);
        var html = await fast.Content.ReadAsStringAsync();
        Assert.Contains("送信が早すぎた", html);
        Assert.Contains("value=\"quick@example.jp\"", html);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    [Fact]
    public async Task A_form_sent_after_the_minimum_time_registers()
    {
        using var browser = _app.Browser();
        var page = await browser.GetStringAsync($"/events/{_slug}");
        await Task.Delay(TimeSpan.FromSeconds(2.2));

        var sent = await browser.PostAsync($"/events/{_slug}/register",
            new FormUrlEncodedContent(Journeys.WithHiddenFields(page, _slug, Journeys.ValidForm("patient@example.jp"))));

        Assert.Equal(HttpStatusCode.SeeOther, sent.StatusCode);
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations WHERE status = 'pending'"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("CfDJ8forged-stamp-that-no-key-signed")]
    public async Task A_missing_or_forged_start_time_is_refused_as_an_expired_form(string stamp)
    {
        using var browser = _app.Browser();
        var fields = Journeys.ValidForm("forger@example.jp");
        fields["formStarted"] = stamp;

        var sent = await browser.FormRegisterAsync(_slug, fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, sent.StatusCode);
        Assert.Contains("有効期限が切れました", await sent.Content.ReadAsStringAsync());
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    [Fact]
    public async Task A_filled_in_honeypot_looks_like_success_and_stores_nothing()
    {
        using var browser = _app.Browser();
        var page = await browser.GetStringAsync($"/events/{_slug}");
        await Task.Delay(TimeSpan.FromSeconds(2.2));   // not refused for its speed: the honeypot alone decides
        var fields = Journeys.ValidForm("bot@example.jp");
        fields["website"] = "https://spam.example";

        var sent = await browser.PostAsync($"/events/{_slug}/register",
            new FormUrlEncodedContent(Journeys.WithHiddenFields(page, _slug, fields)));

        Assert.Equal(HttpStatusCode.SeeOther, sent.StatusCode);
        Assert.Equal($"/events/{_slug}/check-mail", sent.Headers.Location!.OriginalString);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        // Nothing owed to anyone (the event's own plan rows for its mail rules are there from its creation).
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE kind <> 'plan.reminder'"));
    }
}
