using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Shared;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Hostile and malformed requests beyond single fields: raw and oversized API bodies, forms without
/// their token or too large, unknown events, blank slugs, posts no page takes, odd field names and
/// the language switch's return address. Each states the status it must get; none may get a 5xx.
/// </summary>
public sealed class HostileInputInRequests : HostileInputApp
{
    public static TheoryData<string, string, string, HttpStatusCode> RawApiCases() => new()
    {
        {
            "number for a string", "application/json",
            """{"familyName":123,"givenName":"花子","email":"n@example.jp","organization":"x","ticketType":"live","consent":true}""",
            HttpStatusCode.UnprocessableEntity
        },
        {
            "string for consent", "application/json",
            """{"familyName":"山田","givenName":"花子","email":"s@example.jp","organization":"x","ticketType":"live","consent":"yes"}""",
            HttpStatusCode.UnprocessableEntity
        },
        {
            "array for a name", "application/json",
            """{"familyName":["a"],"givenName":"花子","email":"a@example.jp","organization":"x","ticketType":"live","consent":true}""",
            HttpStatusCode.UnprocessableEntity
        },
        {
            "answers not an object", "application/json",
            """{"familyName":"山田","givenName":"花子","email":"o@example.jp","organization":"x","ticketType":"live","consent":true"""
                + ""","answers":"x"}""",
            HttpStatusCode.UnprocessableEntity
        },
        {
            "answers with nested object", "application/json",
            """{"familyName":"山田","givenName":"花子","email":"o2@example.jp","organization":"x","ticketType":"live","consent":true"""
                + ""","answers":{"q":{"a":1}}}""",
            HttpStatusCode.UnprocessableEntity
        },
        {
            "lone surrogate escape", "application/json",
            """{"familyName":"\ud800","givenName":"花子","email":"u@example.jp","organization":"x","ticketType":"live","consent":true}""",
            HttpStatusCode.UnprocessableEntity
        },
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
        using var client = App.Client();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);

        var response = await client.PostAsync($"/api/events/{Slug}/registrations", content);

        Assert.True(expected == response.StatusCode, $"{name}: expected {expected}, got {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Api_body_cut_short_of_its_length_is_a_400_problem_and_not_logged_as_our_error()
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(App.BaseAddress.Host, App.BaseAddress.Port);
        var stream = socket.GetStream();
        var head = $"POST /api/events/{Slug}/registrations HTTP/1.1\r\nHost: {App.BaseAddress.Authority}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"familyName\":\"山";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head));
        socket.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);   // the body ends here, 480-odd bytes short

        // Kestrel takes the end of what the client sends for the end of the connection: nobody reads an answer. What the
        // app made of the request is in its log.
        var finished = "";
        for (var waited = 0; waited < 100 && finished == ""; waited++, await Task.Delay(100))
            finished = Logs.Text.Split('\n').FirstOrDefault(l => l.Contains("Request finished") && l.Contains("/registrations")) ?? "";

        // 400 when the body's reader saw the end first, 499 when the connection's abort came first; never a 500.
        Assert.True(finished.Contains(" - 400 - application/problem+json") || finished.Contains(" - 499 "), finished);
        Assert.DoesNotContain("unhandled exception", Logs.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("BadHttpRequestException", Logs.Text);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Api_body_of_2_MB_is_413()
    {
        using var client = App.Client();
        var huge = "{\"familyName\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        var response = await client.PostAsync($"/api/events/{Slug}/registrations",
            new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Api_body_without_a_length_is_read_whole_up_to_the_limit_and_413_beyond_it()
    {
        using var client = App.Client();
        // 20 kB, more than the first buffer of a body without Content-Length: read whole, and its too long field named.
        var long20k = $"{{\"familyName\":\"{new string('a', 20 * 1024)}\",\"email\":\"chunked@example.jp\"}}";
        var response = await client.PostAsync($"/api/events/{Slug}/registrations", new UnknownLength(long20k));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("familyName", out _));
        response = await client.PostAsync($"/api/events/{Slug}/registrations",
            new UnknownLength($"{{\"familyName\":\"{new string('a', JsonBody.MaxBytes)}\"}}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    /// <summary>A JSON body sent in chunks, its length not known before it ends.</summary>
    sealed class UnknownLength : HttpContent
    {
        readonly byte[] _bytes;
        public UnknownLength(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new("application/json");
        }
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();
        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Api_body_with_invalid_UTF8_names_the_field()
    {
        using var client = App.Client();
        var bytes = Encoding.UTF8.GetBytes("{\"familyName\":\"").Concat(new byte[] { 0xC3, 0x28, 0xFF })
            .Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        var response = await client.PostAsync($"/api/events/{Slug}/registrations", content);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("familyName", out _));
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Api_registration_for_an_unknown_event_is_404_problem()
    {
        using var client = App.Client();
        var response = await client.RegisterAsync("no-such-event", "x@example.jp");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Form_without_antiforgery_token_is_400_and_stores_nothing()
    {
        using var browser = App.Browser();
        var response = await browser.PostAsync($"/events/{Slug}/register",
            new FormUrlEncodedContent(Journeys.ValidForm("csrf@example.jp")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Form_body_of_2_MB_is_refused_with_4xx()
    {
        using var browser = App.Browser();
        var fields = Journeys.ValidForm("big@example.jp");
        fields["questions"] = new string('a', 2 * 1024 * 1024);
        var response = await browser.FormRegisterAsync(Slug, fields);
        Assert.InRange((int)response.StatusCode, 400, 499);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Form_with_a_100_kB_name_gets_a_message_on_that_field()
    {
        using var browser = App.Browser();
        var fields = Journeys.ValidForm("long@example.jp");
        fields["familyName"] = new string('a', 100 * 1024);
        var response = await browser.FormRegisterAsync(Slug, fields);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("id=\"e-familyName\"", await response.Content.ReadAsStringAsync());
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Form_post_for_an_unknown_event_is_404()
    {
        using var browser = App.Browser();
        var response = await browser.SubmitAsync($"/events/{Slug}", "/events/no-such-event/register", Journeys.ValidForm("nf@example.jp"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    // Found by the generated hostile-input test (Proof/GeneratedHostileInput.cs); each answered 500.

    [Fact]
    public async Task Resend_with_a_noncharacter_in_the_address_is_422()
    {
        using var browser = App.Browser();
        var response = await browser.SubmitAsync($"/events/{Slug}/resend", $"/events/{Slug}/resend",
            new Dictionary<string, string> { ["email"] = "a\uFFFE@example.jp" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Theory]
    [InlineData("/events/%20")]
    [InlineData("/events/%E3%80%80")]
    [InlineData("/events/%20/resend")]
    public async Task A_blank_slug_is_404(string path)
    {
        using var client = App.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Posts_that_no_page_handler_takes_are_4xx()
    {
        using var browser = App.Browser();
        var personal = await browser.RegisteredAsync(Slug, "handler@example.jp");
        StoredSoFar++;
        foreach (var (page, action) in new[]
        {
            ($"/events/{Slug}", $"/events/{Slug}"), ($"/events/{Slug}", $"/events/{Slug}/nothing"),
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
        using var browser = App.Browser();
        var fields = Journeys.ValidForm("bracket-" + Guid.NewGuid().ToString("N")[..8] + "@example.jp");
        fields[name] = "x";
        var response = await browser.FormRegisterAsync(Slug, fields);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        StoredSoFar++;
        var resend = await browser.SubmitAsync($"/events/{Slug}/resend", $"/events/{Slug}/resend",
            new Dictionary<string, string> { ["email"] = "x@example.jp", [name] = "x" });
        Assert.Equal(HttpStatusCode.SeeOther, resend.StatusCode);
    }

    [Theory]
    [InlineData("/etc/passwd%00.png", "/")]
    [InlineData("/a%0D%0ASet-Cookie:%20x=1", "/")]
    [InlineData("/%E3%82%A4%E3%83%99%E3%83%B3%E3%83%88?q=%E5%B1%B1%E7%94%B0", "/%E3%82%A4%E3%83%99%E3%83%B3%E3%83%88?q=%E5%B1%B1%E7%94%B0")]
    public async Task The_language_switch_redirects_only_to_a_clean_local_path(string returnUrl, string location)
    {
        using var client = App.Client();
        var response = await client.GetAsync($"/culture/en?returnUrl={returnUrl}");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location!.OriginalString);
    }
}
