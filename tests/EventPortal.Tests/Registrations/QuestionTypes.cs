using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// The registration form's question types (text, long text, single and multiple choice, checkbox, number, date; per
/// ticket), set by the admin API, asked by the form and the API with the same rules, stored as typed JSON, and read
/// back by the CSV, the admin API and the console's counts; on SQLite and on PostgreSQL.
/// </summary>
public abstract class QuestionTypes : IAsyncLifetime
{
    PortalApp _app = null!;
    HttpClient _api = null!;
    const string Slug = "typed";

    protected abstract Task<PortalApp> StartAsync();

    public async Task InitializeAsync()
    {
        _app = await StartAsync();
        _api = _app.Api();
        var body = new JsonObject
        {
            ["slug"] = Slug, ["title"] = "質問の種類", ["startsAt"] = "2030-03-06T12:00:00+09:00", ["endsAt"] = "2030-03-06T13:00:00+09:00",
            ["timeZone"] = "Asia/Tokyo", ["meetingProvider"] = "Manual",
            ["ticketTypes"] = new JsonArray(
                new JsonObject { ["code"] = "live", ["name"] = "ライブ参加", ["capacity"] = 10, ["confirmAddress"] = false },
                new JsonObject { ["code"] = "recording", ["name"] = "録画視聴", ["kind"] = "recording" }),
            ["categories"] = new JsonArray(new JsonObject { ["code"] = "municipal", ["name"] = "自治体職員" }),
            ["questions"] = Questions(),
        };
        var created = await Send(HttpMethod.Post, "/api/admin/events", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await _api.PostAsync($"/api/admin/events/{Slug}/publish", null);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    static JsonArray Questions() => new(
        new JsonObject { ["code"] = "dept", ["label"] = "部署", ["required"] = true, ["help"] = "課・係まで" },
        new JsonObject { ["code"] = "note", ["kind"] = "longtext", ["label"] = "連絡事項" },
        new JsonObject
        {
            ["code"] = "heard", ["kind"] = "single", ["label"] = "何で知りましたか", ["labelEn"] = "How did you hear?",
            ["options"] = new JsonArray(Option("メール", "Mail"), Option("SNS", "Social media"), Option("その他", "")),
        },
        new JsonObject
        {
            ["code"] = "topics", ["kind"] = "multiple", ["label"] = "関心のあるテーマ",
            ["options"] = new JsonArray(Option("福祉", "Welfare"), Option("教育", "Education"), Option("防災", "Disaster")),
        },
        new JsonObject { ["code"] = "photo", ["kind"] = "checkbox", ["label"] = "写真撮影に同意します", ["required"] = true },
        new JsonObject
        {
            ["code"] = "people", ["kind"] = "number", ["label"] = "参加人数", ["min"] = 1, ["max"] = 5, ["required"] = true,
            ["tickets"] = new JsonArray("live"),
        },
        new JsonObject { ["code"] = "day", ["kind"] = "date", ["label"] = "希望日" });

    static JsonObject Option(string ja, string en) => new() { ["label"] = ja, ["labelEn"] = en };

    Task<HttpResponseMessage> Send(HttpMethod method, string path, JsonNode body) =>
        _api.SendAsync(new HttpRequestMessage(method, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        });

    static JsonObject Person(string email, string ticket, JsonObject answers) => new()
    {
        ["familyName"] = "山田", ["givenName"] = "花子", ["email"] = email, ["organization"] = "市", ["ticketType"] = ticket,
        ["consent"] = true, ["answers"] = answers,
    };

    Task<HttpResponseMessage> ApiRegister(JsonObject person)
    {
        var client = _app.Client();
        return client.PostAsync($"/api/events/{Slug}/registrations",
            new StringContent(person.ToJsonString(), Encoding.UTF8, "application/json"));
    }

    Task<string> StoredAnswers(string email) =>
        _app.QueryOneAsync<string>("SELECT answers FROM registrations WHERE email = @email", new { email });

    [Fact]
    public async Task The_admin_API_reads_back_each_question_as_it_was_set()
    {
        var e = await _api.GetFromJsonAsync<JsonElement>($"/api/admin/events/{Slug}");
        var questions = e.GetProperty("questions").EnumerateArray().ToList();
        Assert.Equal(["text", "longtext", "single", "multiple", "checkbox", "number", "date"],
            questions.Select(q => q.GetProperty("kind").GetString()));
        Assert.Equal("課・係まで", questions[0].GetProperty("help").GetString());
        Assert.Equal("Mail", questions[2].GetProperty("options")[0].GetProperty("labelEn").GetString());
        Assert.Equal(5, questions[5].GetProperty("max").GetInt64());
        Assert.Equal(["live"], questions[5].GetProperty("tickets").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_form_stores_every_type_as_typed_json()
    {
        using var browser = _app.Browser();
        var form = Journeys.ValidForm("form@example.jp");
        form["q-dept"] = "福祉課";
        form["q-note"] = "一行目\r\n二行目";
        form["q-heard"] = "SNS";
        form["q-photo"] = "yes";
        form["q-people"] = "３";        // full-width, as a Japanese IME types it
        form["q-day"] = "2030-03-06";
        var content = new List<KeyValuePair<string, string>>(form) { new("q-topics", "防災"), new("q-topics", "福祉") };
        var page = await browser.GetStringAsync($"/events/{Slug}");
        var response = await browser.PostAsync($"/events/{Slug}/register",
            new FormUrlEncodedContent(Journeys.WithHiddenFields(page, $"/events/{Slug}", form).Concat(content.Skip(form.Count))));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var stored = JsonNode.Parse(await StoredAnswers("form@example.jp"))!;
        Assert.Equal("福祉課", (string?)stored["dept"]);
        Assert.Equal("一行目\n二行目", (string?)stored["note"]);
        Assert.Equal("SNS", (string?)stored["heard"]);
        Assert.Equal(["福祉", "防災"], stored["topics"]!.AsArray().Select(x => (string?)x));   // in the options' order
        Assert.True((bool)stored["photo"]!);
        Assert.Equal(3, (long)stored["people"]!);
        Assert.Equal("2030-03-06", (string?)stored["day"]);
    }

    [Fact]
    public async Task The_API_takes_english_labels_numbers_and_booleans_and_stores_the_japanese_label()
    {
        var response = await ApiRegister(Person("api@example.jp", "live", new JsonObject
        {
            ["dept"] = "福祉課", ["heard"] = "Mail", ["topics"] = new JsonArray("Education"), ["photo"] = true, ["people"] = 2,
            ["day"] = "2030/3/6", ["note"] = null,
        }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = JsonNode.Parse(await StoredAnswers("api@example.jp"))!.AsObject();
        Assert.Equal("メール", (string?)stored["heard"]);
        Assert.Equal(["教育"], stored["topics"]!.AsArray().Select(x => (string?)x));
        Assert.Equal(2, (long)stored["people"]!);
        Assert.Equal("2030-03-06", (string?)stored["day"]);
        Assert.False(stored.ContainsKey("note"));
    }

    public static TheoryData<string, string, string> WrongAnswers => new()
    {
        { "heard", "\"郵便\"", "error.badChoice" },
        { "heard", "[\"メール\",\"SNS\"]", "error.oneValue" },
        { "topics", "[\"福祉\",\"料理\"]", "error.badChoice" },
        { "topics", "{\"a\":1}", "error.answersShape" },
        { "photo", "\"maybe\"", "error.badChoice" },
        { "people", "9", "error.range" },
        { "people", "\"三人\"", "error.number" },
        { "people", "1.5", "error.number" },
        { "day", "\"2030-13-01\"", "error.date" },
        { "day", "\"1800-01-01\"", "error.date" },
        { "dept", "\"a\\u0000b\"", "error.badCharacters" },
        { "dept", "\"\\u202Eevil\"", "error.badCharacters" },
        { "note", "\"\\uFFFE\"", "error.badCharacters" },
    };

    [Theory, MemberData(nameof(WrongAnswers))]
    public async Task A_wrong_answer_is_named_and_nothing_is_stored(string code, string json, string key)
    {
        var answers = new JsonObject { ["dept"] = "福祉課", ["photo"] = true, ["people"] = 1 };
        answers[code] = JsonNode.Parse(json);
        var response = await ApiRegister(Person("wrong@example.jp", "live", answers));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var field = key == "error.answersShape" ? "answers" : "answers." + code;
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    [Fact]
    public async Task A_question_asked_for_one_ticket_is_required_there_and_refused_elsewhere_by_the_API()
    {
        var live = await ApiRegister(Person("live@example.jp", "live", new JsonObject { ["dept"] = "課", ["photo"] = true }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, live.StatusCode);
        Assert.Contains("answers.people", await live.Content.ReadAsStringAsync());

        var recording = await ApiRegister(Person("rec@example.jp", "recording",
            new JsonObject { ["dept"] = "課", ["photo"] = true, ["people"] = 2 }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, recording.StatusCode);
        Assert.Contains("answers.people", await recording.Content.ReadAsStringAsync());

        var fine = await ApiRegister(Person("rec2@example.jp", "recording", new JsonObject { ["dept"] = "課", ["photo"] = true }));
        Assert.Equal(HttpStatusCode.Created, fine.StatusCode);
    }

    [Fact]
    public async Task The_form_drops_an_answer_to_a_question_not_asked_for_the_chosen_ticket()
    {
        using var browser = _app.Browser();
        var form = Journeys.ValidForm("recform@example.jp", "recording");
        form["q-dept"] = "課";
        form["q-photo"] = "yes";
        form["q-people"] = "4";

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.FormRegisterAsync(Slug, form)).StatusCode);
        Assert.False(JsonNode.Parse(await StoredAnswers("recform@example.jp"))!.AsObject().ContainsKey("people"));
    }

    [Fact]
    public async Task The_form_names_each_wrong_field_and_keeps_what_was_typed()
    {
        using var browser = _app.Browser();
        var form = Journeys.ValidForm("bad@example.jp");
        form["q-heard"] = "郵便";
        form["q-people"] = "0";
        form["q-dept"] = "残る入力";

        var response = await browser.FormRegisterAsync(Slug, form);

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        foreach (var field in new[] { "q-heard", "q-people", "q-photo" }) Assert.Contains($"href=\"#f-{field}\"", html);
        Assert.Contains("value=\"残る入力\"", html);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
    }

    [Fact]
    public async Task The_CSV_and_the_console_show_choices_by_label_and_count_them()
    {
        foreach (var (email, heard) in new[] { ("a@example.jp", "メール"), ("b@example.jp", "Mail"), ("c@example.jp", "SNS") })
            Assert.Equal(HttpStatusCode.Created, (await ApiRegister(Person(email, "live", new JsonObject
            {
                ["dept"] = "課", ["heard"] = heard, ["topics"] = new JsonArray("福祉", "防災"), ["photo"] = true, ["people"] = 1,
            }))).StatusCode);
        using var organiser = await _app.SignedInAsync();

        var csv = await organiser.GetStringAsync($"/admin/events/{Slug}/registrations.csv");
        Assert.Contains("福祉、防災", csv);
        Assert.Contains(",はい,", csv);
        var page = await organiser.GetStringAsync($"/admin/events/{Slug}/registrations");
        Assert.Matches("<th scope=\"row\">メール</th><td>2</td>", page);
        Assert.Matches("<th scope=\"row\">SNS</th><td>1</td>", page);
        Assert.Matches("<th scope=\"row\">防災</th><td>3</td>", page);

        var rows = await _api.GetFromJsonAsync<JsonElement>($"/api/admin/events/{Slug}/registrations");
        var first = rows[0].GetProperty("answers");
        Assert.Equal(JsonValueKind.Array, first.GetProperty("topics").ValueKind);
        Assert.Equal(1, first.GetProperty("people").GetInt32());
    }

    public static TheoryData<string, string> BadQuestions => new()
    {
        { """{"code":"q","kind":"single","label":"一択","options":[{"label":"一つだけ"}]}""", "questions[0].options" },
        { """{"code":"q","kind":"single","label":"重複","options":[{"label":"A"},{"label":"A"}]}""", "questions[0].options" },
        { """{"code":"q","kind":"text","label":"文字","options":[{"label":"A"},{"label":"B"}]}""", "questions[0].options" },
        { """{"code":"q","kind":"number","label":"数","min":5,"max":1}""", "questions[0].max" },
        { """{"code":"q","kind":"text","label":"文字","min":1}""", "questions[0].min" },
        { """{"code":"q","kind":"poll","label":"?"}""", "questions[0].kind" },
        { """{"code":"q","label":"券","tickets":["vip"]}""", "questions[0].tickets" },
        { """{"code":"q","label":"券","tickets":["live"],"requiredTickets":["recording"]}""", "questions[0].requiredTickets" },
        { """{"code":"q","label":"券","tickets":"live"}""", "questions[0].tickets" },
    };

    [Theory, MemberData(nameof(BadQuestions))]
    public async Task A_question_the_rules_refuse_is_named_and_the_event_keeps_its_questions(string question, string field)
    {
        var response = await Send(HttpMethod.Patch, $"/api/admin/events/{Slug}",
            new JsonObject { ["questions"] = new JsonArray(JsonNode.Parse(question)) });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        Assert.Equal(7, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM event_questions"));
    }
}

public sealed class QuestionTypesOnSqlite : QuestionTypes
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class QuestionTypesOnPostgres : QuestionTypes
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
