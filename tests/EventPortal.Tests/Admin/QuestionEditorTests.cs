using System.Net;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Admin;

/// <summary>
/// The console's question rows (EventEditForm.Questions.cs): type, help, options one per line as "日本語 | English",
/// a number's range and the tickets, saved and shown again as typed; a mistake named beside its field. The rows map
/// to the same spec as the admin API (tested on both engines in Registrations/QuestionTypes.cs), so SQLite suffices.
/// </summary>
public sealed class QuestionEditorTests : IAsyncLifetime
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

    [Fact]
    public async Task A_choice_question_and_a_number_question_typed_in_the_console_are_stored_and_shown_again()
    {
        var slug = await _app.CreateEventAsync();
        var saved = await ConsoleForms.EditAsync(_browser, slug, f =>
        {
            (f["Form.Questions[0].Code"], f["Form.Questions[0].Kind"], f["Form.Questions[0].Label"]) = ("heard", "single", "きっかけ");
            f["Form.Questions[0].Options"] = "メール | Mail\r\nSNS\r\n\r\n";
            f["Form.Questions[0].Help"] = "一つ選んでください";
            (f["Form.Questions[1].Code"], f["Form.Questions[1].Kind"], f["Form.Questions[1].Label"]) = ("people", "number", "人数");
            (f["Form.Questions[1].Min"], f["Form.Questions[1].Max"], f["Form.Questions[1].Tickets"]) = ("1", "5", "live");
            (f["Form.Questions[1].Required"], f["Form.Questions[1].RequiredTickets"]) = ("true", "live");
        });

        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        var (kind, options) = await _app.QueryOneAsync<(string, string)>("SELECT kind, options FROM event_questions WHERE code = 'heard'");
        Assert.Equal("single", kind);
        var readable = new System.Text.Json.JsonSerializerOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        Assert.Equal("""[{"ja":"メール","en":"Mail"},{"ja":"SNS","en":""}]""",
            System.Text.Json.Nodes.JsonNode.Parse(options)!.ToJsonString(readable));
        Assert.Equal((1L, 5L, "live"), await _app.QueryOneAsync<(long, long, string)>(
            "SELECT min_value, max_value, tickets FROM event_questions WHERE code = 'people'"));
        var again = await ConsoleForms.FormFieldsAsync(_browser, $"/admin/events/{slug}/edit");
        Assert.Equal("メール | Mail\nSNS", again["Form.Questions[0].Options"].Replace("\r\n", "\n"));
        using var visitor = _app.Browser();
        var page = await visitor.GetStringAsync($"/events/{slug}");
        var radios = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(page).QuerySelectorAll("input[type=radio][name=q-heard]");
        Assert.Equal(["メール", "SNS"], radios.Select(r => r.GetAttribute("value")));
        Assert.Contains("「ライブ参加」でお申し込みの方は必須です。", page);   // asked for live only, and required there
    }

    [Theory]
    [InlineData("Form.Questions[0].Options", "一つだけ", "questions[0].options")]
    [InlineData("Form.Questions[0].Min", "abc", "questions[0].min")]
    [InlineData("Form.Questions[0].Tickets", "vip", "questions[0].tickets")]
    public async Task A_question_row_the_rules_refuse_is_named_beside_its_field_and_nothing_is_saved(string field, string value, string key)
    {
        var slug = await _app.CreateEventAsync();
        var response = await ConsoleForms.EditAsync(_browser, slug, f =>
        {
            (f["Form.Questions[0].Code"], f["Form.Questions[0].Kind"], f["Form.Questions[0].Label"]) = ("q", "single", "質問");
            f["Form.Questions[0].Options"] = "A\nB";
            f[field] = value;
        });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"id=\"e-{key}\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM event_questions"));
    }
}
