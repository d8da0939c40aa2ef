using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Proof;

/// <summary>
/// Where a generated value goes: each public form field, JSON API field (also as the wrong JSON
/// type and with invalid UTF-8), personal-page action, path segment, query string, the language
/// header and cookie; and how each request is built around the value.
/// </summary>
public sealed partial class GeneratedHostileInput
{
    /// <summary>
    /// A place a client can put a value: builds the request (null: HttpClient cannot send it) and
    /// says whether the value may be stored.
    /// </summary>
    sealed record Target(string Name, Func<Worker, string, HttpRequestMessage?> Build, bool Stores = false)
    {
        public override string ToString() => Name;
    }

    static readonly string[] FormFields =
    [
        "familyName", "givenName", "reading", "email", "emailConfirmation", "organization", "category", "ticketType", "accessibility",
        "questions", "consent", "q-q1", "q-q2", "q-q3", "q-q4", "q-q5", "q-q6", "q-q7", "formStarted", "website",
    ];

    /// <summary>The scene's typed questions: code, kind, options (JSON).</summary>
    static readonly (string Code, string Kind, string Options)[] TypedQuestions =
    [
        ("q2", "single", """[{"ja":"はい","en":"Yes"},{"ja":"いいえ","en":"No"}]"""),
        ("q3", "multiple", """[{"ja":"福祉","en":"Welfare"},{"ja":"教育","en":"Education"}]"""),
        ("q4", "checkbox", "[]"), ("q5", "number", "[]"), ("q6", "date", "[]"), ("q7", "longtext", "[]"),
    ];
    static readonly string[] ApiFields =
    [
        "familyName", "givenName", "reading", "email", "emailConfirmation", "organization", "category", "ticketType", "accessibility",
        "questions",
    ];

    List<Target> Targets()
    {
        var targets = new List<Target>();
        // The registration form, field by field; a hostile field name too.
        foreach (var field in FormFields)
            targets.Add(new($"form {field}", (w, v) => w.Form($"/events/{_slug}/register",
                Form(w, field == "email" ? new() { ["email"] = v, ["emailConfirmation"] = v } : new() { [field] = v })), Stores: true));
        targets.Add(new("form field name", (w, v) => w.Form($"/events/{_slug}/register", Form(w, new() { [v] = "x" }))));
        targets.Add(new("form raw bytes", (w, v) => w.RawForm($"/events/{_slug}/register", Form(w, []), "organization", v)));
        // The JSON API, field by field, as the wrong JSON type, in answers, and with invalid UTF-8.
        foreach (var field in ApiFields)
            targets.Add(new($"api {field}", (w, v) => Api(w, Json(w, body => body[field] = v)), Stores: true));
        targets.Add(new("api consent", (w, v) => Api(w, Json(w, body => body["consent"] = v))));
        targets.Add(new("api answers value", (w, v) => Api(w, Json(w, body => body["answers"] = new JsonObject { ["q1"] = v })),
            Stores: true));
        foreach (var (code, _, _) in TypedQuestions)
            targets.Add(new($"api answers {code}", (w, v) => Api(w, Json(w, body => body["answers"] = new JsonObject { [code] = v })),
                Stores: true));
        targets.Add(new("api answers list", (w, v) => Api(w, Json(w, body => body["answers"] = new JsonObject
            {
                ["q3"] = new JsonArray("福祉", v),
            })), Stores: true));
        targets.Add(new("api answers key", (w, v) => Api(w, Json(w, body => body["answers"] = new JsonObject { [v] = "x" }))));
        targets.Add(new("api wrong type", (w, v) => Api(w, WrongType(w, v))));
        targets.Add(new("api raw bytes", (w, v) => Api(w, RawJson(w, v))));
        targets.Add(new("api slug", (w, v) => Api(w, Json(w, _ => { }), Segment(v))));
        // "Didn't get the mail?"
        targets.Add(new("resend email", (w, v) => w.Form($"/events/{_slug}/resend", new() { ["email"] = v })));
        targets.Add(new("resend done", (_, v) => Get($"/events/{_slug}/resend?done={Query(v)}")));
        targets.Add(new("resend slug", (_, v) => Get($"/events/{Segment(v)}/resend")));
        // The personal page and its actions.
        targets.Add(new("personal switch ticket", (w, v) => w.Form($"{_managePath}/switch", new() { ["ticketType"] = v })));
        targets.Add(new("personal token", (_, v) => Get($"/r/{Segment(v)}")));
        targets.Add(new("personal cancel token", (w, v) => w.Form($"/r/{Segment(v)}/cancel", [])));
        targets.Add(new("personal handler", (_, v) => Get($"{_managePath}/{Segment(v)}")));
        targets.Add(new("personal done", (_, v) => Get($"{_managePath}?done={Query(v)}")));
        targets.Add(new("personal invite token", (_, v) => Get($"/r/{Segment(v)}/invite.ics")));
        targets.Add(new("personal qr token", (_, v) => Get($"/r/{Segment(v)}/qr.png")));
        targets.Add(new("personal confirm token", (_, v) => Get($"/r/{Segment(v)}/confirm")));
        // Correcting one's details: each field, and the token.
        foreach (var field in CorrectionFields.Keys)
            targets.Add(new($"personal details {field}", (w, v) => w.Form($"{_managePath}/details", With(CorrectionFields, field, v))));
        targets.Add(new("personal details token", (_, v) => Get($"/r/{Segment(v)}/details")));
        targets.Add(new("check-mail slug", (_, v) => Get($"/events/{Segment(v)}/check-mail")));
        targets.Add(new("join token", (_, v) => Get($"/j/{Segment(v)}")));
        targets.Add(new("watch token", (_, v) => Get($"/w/{Segment(v)}")));
        // Public pages: paths, query strings, the language switch, header and cookie.
        targets.Add(new("event slug", (_, v) => Get($"/events/{Segment(v)}")));
        targets.Add(new("event notice", (_, v) => Get($"/events/{_slug}?notice={Query(v)}")));
        targets.Add(new("event handler", (w, v) => w.Form($"/events/{_slug}/{Segment(v)}", Form(w, []))));
        targets.Add(new("event ics slug", (_, v) => Get($"/events/{Segment(v)}/event.ics")));
        targets.Add(new("events api slug", (_, v) => Get($"/api/events/{Segment(v)}")));
        targets.Add(new("home query", (_, v) => Get($"/?{Query(v)}={Query(v)}")));
        targets.Add(new("culture language", (_, v) => Get($"/culture/{Segment(v)}?returnUrl=%2F")));
        targets.Add(new("culture returnUrl", (_, v) => Get($"/culture/en?returnUrl={Query(v)}")));
        targets.Add(new("header Accept-Language", (_, v) => Header(Get($"/events/{_slug}"), "Accept-Language", v)));
        targets.Add(new("cookie culture", (_, v) => Header(Get($"/events/{_slug}"), "Cookie", ".AspNetCore.Culture=" + Query(v))));
        return targets;
    }

    Dictionary<string, string> Form(Worker w, Dictionary<string, string> changes)
    {
        var fields = Journeys.ValidForm(w.NextEmail());
        foreach (var (k, v) in changes) fields[k] = v;
        return fields;
    }

    JsonObject Json(Worker w, Action<JsonObject> change)
    {
        var body = new JsonObject
        {
            ["familyName"] = "山田", ["givenName"] = "花子", ["email"] = w.NextEmail(), ["organization"] = "市役所",
            ["ticketType"] = "live", ["consent"] = true,
        };
        change(body);
        return body;
    }

    /// <summary>
    /// The JSON a client might send in place of a string: a number literal (out of range ones too),
    /// an array, an object, a boolean.
    /// </summary>
    string WrongType(Worker w, string value)
    {
        var field = ApiFields[(value.Length + w.Count) % ApiFields.Length];
        var literal = JsonNumber().IsMatch(value) ? value : ((value.Length % 3) switch
        {
            0 => new JsonArray(value).ToJsonString(),
            1 => new JsonObject { ["value"] = value }.ToJsonString(),
            _ => "true",
        });
        return Json(w, body => body[field] = "\u0001placeholder\u0001").ToJsonString()
            .Replace("\"\\u0001placeholder\\u0001\"", literal, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    /// <summary>
    /// A JSON body whose organisation holds the value's bytes with invalid UTF-8 spliced in (lone
    /// continuation, overlong, surrogate, 0xFF).
    /// </summary>
    byte[] RawJson(Worker w, string value)
    {
        var text = Json(w, body => body["organization"] = "\u0001placeholder\u0001").ToJsonString(Unescaped);
        var parts = text.Split("\\u0001placeholder\\u0001");
        return [.. Encoding.UTF8.GetBytes(parts[0]), .. Corrupt(value, w.Count), .. Encoding.UTF8.GetBytes(parts[1])];
    }

    /// <summary>Markup and non-ASCII characters written as they are, not as \uXXXX escapes, so the value itself is on the wire.</summary>
    static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static readonly byte[][] InvalidUtf8 =
        [[0xFF], [0xC3, 0x28], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE3, 0x81]];

    internal static byte[] Corrupt(string value, int n)
    {
        var bytes = Encoding.UTF8.GetBytes(value.Replace("\"", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal));
        var at = bytes.Length == 0 ? 0 : n % (bytes.Length + 1);
        return [.. bytes[..at], .. InvalidUtf8[n % InvalidUtf8.Length], .. bytes[at..]];
    }

    HttpRequestMessage Api(Worker w, object body, string? slug = null)
    {
        HttpContent content = body switch
        {
            JsonObject json => new StringContent(json.ToJsonString(w.Count % 2 == 0 ? null : Unescaped), Encoding.UTF8, "application/json"),
            string text => new StringContent(text, Encoding.UTF8, "application/json"),
            byte[] bytes => new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            _ => throw new ArgumentException("body"),
        };
        return new HttpRequestMessage(HttpMethod.Post, $"/api/events/{slug ?? _slug}/registrations") { Content = content };
    }

    static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    static HttpRequestMessage? Header(HttpRequestMessage request, string name, string value)
    {
        // HttpClient refuses CR, LF and NUL in headers; what it can send, it sends as UTF-8 (see Worker).
        if (value.Any(c => c is '\r' or '\n' or '\0')) return null;
        request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    /// <summary>Every UTF-8 byte that is not unreserved, percent-encoded (so "/" and "?" stay inside the segment).</summary>
    static string Segment(string value) => Query(value);

    static string Query(string value)
    {
        var b = new StringBuilder();
        foreach (var x in Encoding.UTF8.GetBytes(value))
            b.Append(x is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                    or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~'
                ? ((char)x).ToString() : $"%{x:X2}");
        return b.ToString();
    }
}
