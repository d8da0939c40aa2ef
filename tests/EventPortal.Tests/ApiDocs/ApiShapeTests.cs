using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace EventPortal.Tests.ApiDocs;

/// <summary>
/// The document's schemas are the real ones: every /api operation is called as an integrator would, and each answer's
/// status must be declared and its JSON must have exactly the declared properties (the shapes in ApiDocs/ are written by
/// hand beside endpoints that answer anonymous objects, so this is what keeps the two together); each request body sent
/// has only declared properties.
/// </summary>
public sealed class ApiShapeTests
{
    OpenApiDocument _document = null!;
    HttpClient _api = null!, _visitor = null!;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Every_answer_of_every_operation_has_a_declared_status_and_exactly_the_declared_shape(string engine)
    {
        await using var app = engine == "sqlite"
            ? await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap())
            : await PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
        (_document, _) = await OpenApiChecks.ReadAsync(app);
        using var api = _api = app.Api();
        using var visitor = _visitor = app.Client();
        const string events = "/api/admin/events", one = events + "/{slug}";

        // Organisers: a draft with every kind of nested item, refused ones, a change, publishing.
        await CallAsync(HttpMethod.Post, events, events, Event("shape"), HttpStatusCode.Created);
        await CallAsync(HttpMethod.Post, events, events, Event("shape"), HttpStatusCode.Conflict);
        await CallAsync(HttpMethod.Post, events, events, new JsonObject { ["slug"] = "Not A Slug" }, HttpStatusCode.UnprocessableEntity);
        await CallAsync(HttpMethod.Post, events, events, null, HttpStatusCode.UnsupportedMediaType);
        await CallAsync(HttpMethod.Patch, one, events + "/shape", new JsonObject
        {
            ["title"] = "変更後", ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = "recording", ["remove"] = true }),
        }, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Post, one + "/publish", events + "/shape/publish", null, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Get, one, events + "/nothing-here", null, HttpStatusCode.NotFound);
        await CallAsync(HttpMethod.Get, events, events, null, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Get, one, events + "/shape", null, HttpStatusCode.OK);

        // The public: events, and each outcome of registering.
        await CallAsync(HttpMethod.Get, "/api/events", "/api/events", null, HttpStatusCode.OK, _visitor);
        await CallAsync(HttpMethod.Get, "/api/events/{slug}", "/api/events/shape", null, HttpStatusCode.OK, _visitor);
        const string register = "/api/events/{slug}/registrations";
        var created = await CallAsync(HttpMethod.Post, register, "/api/events/shape/registrations",
            Person("alice@example.jp", "live"), HttpStatusCode.Created, _visitor);
        Assert.Equal("confirmed", created!["status"]!.GetValue<string>());
        await CallAsync(HttpMethod.Post, register, "/api/events/shape/registrations", Person("alice@example.jp", "live"),
            HttpStatusCode.OK, _visitor);
        await CallAsync(HttpMethod.Post, register, "/api/events/shape/registrations", Person("bob@example.jp", "held"),
            HttpStatusCode.Accepted, _visitor);
        await CallAsync(HttpMethod.Post, register, "/api/events/shape/registrations", new JsonObject { ["email"] = "not an address" },
            HttpStatusCode.UnprocessableEntity, _visitor);
        await CallAsync(HttpMethod.Post, register, "/api/events/nothing-here/registrations", Person("carol@example.jp", "live"),
            HttpStatusCode.NotFound, _visitor);

        // Organisers again: registrations, attendance, mail rules, the recording.
        var rows = await CallAsync(HttpMethod.Get, one + "/registrations", events + "/shape/registrations", null, HttpStatusCode.OK);
        var alice = rows!.AsArray().Single(r => r!["email"]!.GetValue<string>() == "alice@example.jp")!["id"]!.GetValue<long>();
        await CallAsync(HttpMethod.Get, one + "/registrations.csv", events + "/shape/registrations.csv?status=active", null,
            HttpStatusCode.OK);
        await CallAsync(HttpMethod.Put, one + "/attendance", events + "/shape/attendance",
            new JsonArray(new JsonObject { ["id"] = alice, ["attended"] = true }, new JsonObject { ["id"] = 999999, ["attended"] = null }),
            HttpStatusCode.OK);
        await CallAsync(HttpMethod.Put, one + "/attendance", events + "/shape/attendance",
            new JsonArray(new JsonObject { ["id"] = -1, ["attended"] = true }), HttpStatusCode.UnprocessableEntity);
        const string registration = one + "/registrations/{id}";
        await CallAsync(HttpMethod.Patch, registration, $"{events}/shape/registrations/{alice}",
            new JsonObject { ["organization"] = "別の市役所", ["answers"] = new JsonObject { ["dept"] = "総務課" } }, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Post, registration + "/cancel", $"{events}/shape/registrations/{alice}/cancel", null, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Post, registration + "/cancel", $"{events}/shape/registrations/{alice}/cancel", null,
            HttpStatusCode.Conflict);
        // Staff entries: without an address (the personal link in the answer), a repeat address, a refused body.
        var entry = new JsonObject
        {
            ["familyName"] = "電話", ["givenName"] = "花子", ["organization"] = "町役場", ["ticketType"] = "live", ["consent"] = true,
            ["channel"] = "phone", ["language"] = "ja", ["answers"] = new JsonObject { ["dept"] = "福祉課" },
        };
        await CallAsync(HttpMethod.Post, one + "/registrations", events + "/shape/registrations", entry, HttpStatusCode.Created);
        entry["email"] = "bob@example.jp";   // held, so still active
        await CallAsync(HttpMethod.Post, one + "/registrations", events + "/shape/registrations", entry, HttpStatusCode.Conflict);
        await CallAsync(HttpMethod.Post, one + "/registrations", events + "/shape/registrations", new JsonObject { ["channel"] = "mail" },
            HttpStatusCode.UnprocessableEntity);
        await CallAsync(HttpMethod.Get, one + "/reminders", events + "/shape/reminders", null, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Put, one + "/reminders", events + "/shape/reminders", new JsonArray(new JsonObject
        {
            ["offsetMinutes"] = -60, ["audience"] = "live", ["anchor"] = "start", ["status"] = "confirmed", ["attendance"] = "any",
            ["late"] = true, ["subjectJa"] = "まもなく開始", ["bodyJa"] = "{{joinUrl}}",
        }), HttpStatusCode.OK);
        await CallAsync(HttpMethod.Put, one + "/recording", events + "/shape/recording", new JsonObject
        {
            ["url"] = "https://video.example/rec/1", ["availableUntil"] = "2030-04-06T12:00:00+09:00", ["audience"] = "all",
        }, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Post, one + "/cancel", events + "/shape/cancel", null, HttpStatusCode.OK);
        await CallAsync(HttpMethod.Patch, one, events + "/shape", new JsonObject { ["title"] = "x" }, HttpStatusCode.Conflict);
        using var anonymous = app.Client();
        await CallAsync(HttpMethod.Get, events, events, null, HttpStatusCode.Unauthorized, anonymous);
    }

    async Task<JsonNode?> CallAsync(HttpMethod method, string template, string path, JsonNode? body, HttpStatusCode expected,
        HttpClient? client = null)
    {
        if (body is not null) OpenApiChecks.Request(_document, method, template, body);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var response = await (client ?? _api).SendAsync(request);
        Assert.True(response.StatusCode == expected,
            $"{method} {path}: {(int)response.StatusCode}, not {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        return await OpenApiChecks.AnswerAsync(_document, method, template, response);
    }

    /// <summary>An event with programme, speakers, a live ticket, a held (double opt-in) one, a recording one and questions.</summary>
    static JsonObject Event(string slug) => new()
    {
        ["slug"] = slug, ["title"] = "形の確認", ["summary"] = "概要", ["description"] = "説明",
        ["startsAt"] = "2030-03-06T12:00:00+09:00", ["endsAt"] = "2030-03-06T13:00:00+09:00", ["timeZone"] = "Asia/Tokyo",
        ["doorsOpenMinutes"] = 5, ["language"] = "ja", ["venue"] = "オンライン", ["organiserName"] = "事務局",
        ["organiserEmail"] = "office@example.jp", ["contact"] = "03-0000-0000", ["consentPurpose"] = "説明会の運営のため",
        ["meetingProvider"] = "Manual", ["meetingUrl"] = "https://meet.example/room/1",
        ["programme"] = new JsonArray(new JsonObject { ["title"] = "開会", ["time"] = "12:00", ["detail"] = "挨拶" }),
        ["speakers"] = new JsonArray(new JsonObject
        {
            ["name"] = "講師", ["affiliation"] = "市", ["role"] = "課長", ["bio"] = "略歴", ["email"] = "speaker@example.jp",
        }),
        ["ticketTypes"] = new JsonArray(
            new JsonObject
            {
                ["code"] = "live", ["name"] = "ライブ", ["nameEn"] = "Live", ["capacity"] = 10, ["waitlist"] = true,
                ["confirmAddress"] = false, ["kind"] = "live", ["salesStart"] = "2020-01-01T00:00:00+09:00",
                ["salesEnd"] = "2030-03-06T12:00:00+09:00",
            },
            new JsonObject { ["code"] = "held", ["name"] = "確認付き", ["capacity"] = 10, ["confirmAddress"] = true },
            new JsonObject { ["code"] = "recording", ["name"] = "録画", ["kind"] = "recording" }),
        ["categories"] = new JsonArray(new JsonObject { ["code"] = "municipal", ["name"] = "自治体職員", ["nameEn"] = "Municipal staff" }),
        ["questions"] = new JsonArray(
            new JsonObject { ["code"] = "dept", ["kind"] = "text", ["label"] = "部署", ["labelEn"] = "Department", ["required"] = false },
            new JsonObject
            {
                ["code"] = "topics", ["kind"] = "multiple", ["label"] = "関心", ["help"] = "複数可", ["required"] = false,
                ["options"] = new JsonArray(new JsonObject { ["label"] = "防災", ["labelEn"] = "Disaster" },
                    new JsonObject { ["label"] = "福祉", ["labelEn"] = "Welfare" }),
                ["tickets"] = new JsonArray("live"), ["requiredTickets"] = new JsonArray(),
            },
            new JsonObject { ["code"] = "size", ["kind"] = "number", ["label"] = "人数", ["min"] = 1, ["max"] = 99 }),
    };

    static JsonObject Person(string email, string ticket) => new()
    {
        ["familyName"] = "山田", ["givenName"] = "花子", ["reading"] = "ヤマダ ハナコ", ["email"] = email,
        ["emailConfirmation"] = email, ["organization"] = "テスト市役所", ["category"] = "municipal", ["ticketType"] = ticket,
        ["accessibility"] = "", ["questions"] = "質問", ["consent"] = true,
        // "topics" is asked of live tickets only.
        ["answers"] = ticket == "live"
            ? new JsonObject { ["dept"] = "企画課", ["topics"] = new JsonArray("防災"), ["size"] = 3 }
            : new JsonObject { ["dept"] = "企画課", ["size"] = null },
    };
}
