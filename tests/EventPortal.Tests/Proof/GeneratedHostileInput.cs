using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventPortal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EventPortal.Tests.Proof;

/// <summary>
/// Generated hostile values (<see cref="HostileCorpus"/>, seeded, so every
/// failure reproduces) against every public form field, JSON API field, personal-page action,
/// path segment, query string, the language header and cookie. Whatever is sent: no 5xx, no
/// value reflected unescaped in an HTML answer (nor, once stored, on the personal page or in
/// the organiser console), no redirect off the site.
/// </summary>
[Collection(ProofCollection.Name)]
public sealed partial class GeneratedHostileInput(ITestOutputHelper output)
{
    /// <summary>PostgreSQL (the multi-instance store, stricter about text than SQLite); <c>PROOF_FUZZ_PROVIDERS=Postgres,Sqlite</c> for both.</summary>
    public static TheoryData<string> Providers()
    {
        var data = new TheoryData<string>();
        foreach (var provider in (Environment.GetEnvironmentVariable("PROOF_FUZZ_PROVIDERS") is { Length: > 0 } list ? list : "Postgres").Split(','))
            data.Add(provider.Trim());
        return data;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Generated_hostile_values_in_every_public_field_get_no_5xx_and_are_never_reflected_as_markup(string provider)
    {
        var seed = ProofRun.Size("FUZZ_SEED", 20261121);
        var values = HostileCorpus.Generate(ProofRun.Size("FUZZ_VALUES", 1200), seed);
        var settings = Organisers.Bootstrap(new()
        {
            ["EventPortal:Outbox:DispatcherEnabled"] = "false",
            ["EventPortal:RateLimits:Enabled"] = "false",
            ["EventPortal:RateLimits:ResendPerHour"] = "1000000",
        });
        await using var app = provider == "Postgres" ? await PortalApp.StartPostgresAsync(settings: settings) : await PortalApp.StartSqliteAsync(settings: settings);
        var slug = await app.CreateEventAsync(liveSeats: 1_000_000);
        await app.ExecuteAsync("INSERT INTO event_questions (event_id, code, label_ja, label_en, required, position) SELECT id, 'q1', '参加経験', 'Experience', false, 1 FROM events WHERE slug = @slug", new { slug });
        using (var client = app.Client()) _managePath = await client.RegisteredAsync(slug, "owner-of-the-page@example.jp");
        _slug = slug;

        var targets = Targets();
        // Each value goes to this many targets, chosen at random (the seed decides); bench/proof.sh sends every value everywhere.
        var fanout = Math.Min(targets.Count, ProofRun.Size("FUZZ_FANOUT", 6));
        var work = new ConcurrentQueue<(int Value, Target Target)>();
        var order = new Random(seed);
        for (var v = 0; v < values.Count; v++)
            foreach (var t in targets.OrderBy(_ => order.Next()).Take(fanout)) work.Enqueue((v, t));
        var total = work.Count;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, ProofRun.Size("FUZZ_CONCURRENCY", 8)).Select(async _ =>
        {
            await using var worker = await Worker.StartAsync(app, slug);
            while (work.TryDequeue(out var item))
                await ProbeAsync(worker, item.Target, item.Value, values[item.Value]);
        }));
        var stored = await ConsoleShowsStoredValuesSafelyAsync(app, slug);
        clock.Stop();

        var summary = $"{values.Count} generated values (seed {seed}) posted to {targets.Count} targets, {fanout} each: {_requests} requests in {clock.Elapsed.TotalSeconds:0.0} s, " +
            $"{_skipped} not sendable by HttpClient; {stored} registrations stored (those with markup shown again on the personal page and in the console); answers: " +
            string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"));
        output.WriteLine(summary);
        ProofRun.Record(output, "hostile-input", new Dictionary<string, object?>
        {
            ["provider"] = provider, ["values"] = values.Count, ["seed"] = seed, ["targets"] = targets.Count, ["fanout"] = fanout,
            ["requests"] = _requests, ["planned"] = total, ["not_sendable"] = _skipped, ["stored"] = stored, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["status_5xx"] = _statuses.Where(p => p.Key >= 500).Sum(p => p.Value), ["failures"] = _failures.Count,
            ["statuses"] = _statuses.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value),
        });
        Assert.True(values.Count >= 1000 || ProofRun.Size("FUZZ_VALUES", 1200) < 1000, "fewer than 1,000 values");
        Assert.True(_failures.IsEmpty, $"{_failures.Count} failures (reproduce with PROOF_FUZZ_SEED={seed}; value # is the index in HostileCorpus.Generate):\n" +
            string.Join("\n", _failures.GroupBy(f => f.Target).OrderBy(g => g.Key).Select(g =>
                $"{g.Key}: {g.Count()}\n  " + string.Join("\n  ", g.Select(f => f.Text).Order().Take(3)))));
    }

    string _slug = "";
    string _managePath = "";
    int _requests, _skipped;
    readonly ConcurrentDictionary<int, int> _statuses = new();
    readonly ConcurrentBag<(string Target, string Text)> _failures = [];
    readonly ConcurrentBag<string> _storedValues = [];

    /// <summary>A place a client can put a value: builds the request (null: HttpClient cannot send it) and says whether the value may be stored.</summary>
    sealed record Target(string Name, Func<Worker, string, HttpRequestMessage?> Build, bool Stores = false)
    {
        public override string ToString() => Name;
    }

    static readonly string[] FormFields = ["familyName", "givenName", "reading", "email", "emailConfirmation", "organization", "category", "ticketType", "accessibility", "questions", "consent", "q-q1"];
    static readonly string[] ApiFields = ["familyName", "givenName", "reading", "email", "emailConfirmation", "organization", "category", "ticketType", "accessibility", "questions"];

    List<Target> Targets()
    {
        var targets = new List<Target>();
        // The registration form, field by field; a hostile field name too.
        foreach (var field in FormFields)
            targets.Add(new($"form {field}", (w, v) => w.Form($"/events/{_slug}/register", Form(w, field == "email" ? new() { ["email"] = v, ["emailConfirmation"] = v } : new() { [field] = v })), Stores: true));
        targets.Add(new("form field name", (w, v) => w.Form($"/events/{_slug}/register", Form(w, new() { [v] = "x" }))));
        targets.Add(new("form raw bytes", (w, v) => w.RawForm($"/events/{_slug}/register", Form(w, []), "organization", v)));
        // The JSON API, field by field, as the wrong JSON type, in answers, and with invalid UTF-8.
        foreach (var field in ApiFields)
            targets.Add(new($"api {field}", (w, v) => Api(w, Json(w, body => body[field] = v)), Stores: true));
        targets.Add(new("api consent", (w, v) => Api(w, Json(w, body => body["consent"] = v))));
        targets.Add(new("api answers value", (w, v) => Api(w, Json(w, body => body["answers"] = new JsonObject { ["q1"] = v })), Stores: true));
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
            ["familyName"] = "山田", ["givenName"] = "花子", ["email"] = w.NextEmail(), ["organization"] = "市役所", ["ticketType"] = "live", ["consent"] = true,
        };
        change(body);
        return body;
    }

    /// <summary>The JSON a client might send in place of a string: a number literal (out of range ones too), an array, an object, a boolean.</summary>
    string WrongType(Worker w, string value)
    {
        var field = ApiFields[(value.Length + w.Count) % ApiFields.Length];
        var literal = JsonNumber().IsMatch(value) ? value : ((value.Length % 3) switch
        {
            0 => new JsonArray(value).ToJsonString(),
            1 => new JsonObject { ["value"] = value }.ToJsonString(),
            _ => "true",
        });
        return Json(w, body => body[field] = "\u0001placeholder\u0001").ToJsonString().Replace("\"\\u0001placeholder\\u0001\"", literal, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    /// <summary>A JSON body whose organisation holds the value's bytes with invalid UTF-8 spliced in (lone continuation, overlong, surrogate, 0xFF).</summary>
    byte[] RawJson(Worker w, string value)
    {
        var text = Json(w, body => body["organization"] = "\u0001placeholder\u0001").ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var parts = text.Split("\\u0001placeholder\\u0001");
        return [.. Encoding.UTF8.GetBytes(parts[0]), .. Corrupt(value, w.Count), .. Encoding.UTF8.GetBytes(parts[1])];
    }

    static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC3, 0x28], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE3, 0x81]];

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
            JsonObject json => new StringContent(json.ToJsonString(w.Count % 2 == 0 ? null : new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), Encoding.UTF8, "application/json"),
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
            b.Append(x is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~'
                ? ((char)x).ToString() : $"%{x:X2}");
        return b.ToString();
    }

    async Task ProbeAsync(Worker worker, Target target, int index, (string Value, string Origin) item)
    {
        using var request = target.Build(worker, item.Value);
        if (request is null) { Interlocked.Increment(ref _skipped); return; }
        Interlocked.Increment(ref _requests);
        string where = $"value #{index} ({item.Origin}) {HostileCorpus.Show(item.Value)} in {target.Name}";
        try
        {
            using var response = await worker.Client.SendAsync(request);
            var status = (int)response.StatusCode;
            _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var body = await response.Content.ReadAsStringAsync();
            if (status >= 500) { _failures.Add((target.Name, $"{where}: {status} {Brief(body)}")); return; }
            if (response.Headers.Location is { } location)
            {
                var to = location.OriginalString;
                if (location.IsAbsoluteUri ? !to.StartsWith(worker.Client.BaseAddress!.ToString(), StringComparison.Ordinal) : !to.StartsWith('/') || to.StartsWith("//", StringComparison.Ordinal) || to.StartsWith("/\\", StringComparison.Ordinal))
                    _failures.Add((target.Name, $"{where}: redirects off the site to {to}"));
            }
            if (IsHtml(response) && HtmlSafety.Reflection(body, item.Value) is { } problem)
                _failures.Add((target.Name, $"{where}: {status} {problem}"));
            var personal = status switch
            {
                303 when response.Headers.Location?.OriginalString is { } l && l.StartsWith("/r/", StringComparison.Ordinal) => l,
                201 => new Uri(JsonDocument.Parse(body).RootElement.GetProperty("manageUrl").GetString()!).AbsolutePath,
                _ => null,
            };
            // Stored with markup in it: the personal page shows it as text.
            if (personal is not null && target.Stores && item.Value.IndexOfAny(['<', '>', '"', '\'', '&', '＜']) >= 0)
            {
                _storedValues.Add(item.Value);
                using var page = await worker.Client.GetAsync(personal);
                var html = await page.Content.ReadAsStringAsync();
                if ((int)page.StatusCode != 200) _failures.Add((target.Name, $"{where}: stored, but its personal page answered {(int)page.StatusCode}"));
                else if (HtmlSafety.Reflection(html, item.Value) is { } stored) _failures.Add((target.Name, $"{where}: on the personal page, {stored}"));
            }
        }
        catch (HttpRequestException e)
        {
            _failures.Add((target.Name, $"{where}: no answer ({e.HttpRequestError}: {e.Message})"));
        }
    }

    /// <summary>Every page of the console's registration list, signed in: stored hostile values appear only as text. Returns how many were stored.</summary>
    async Task<int> ConsoleShowsStoredValuesSafelyAsync(PortalApp app, string slug)
    {
        using var console = await app.SignedInAsync();
        var total = await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations");
        var stored = _storedValues.Distinct().ToList();
        for (var page = 1; page <= (total + 99) / 100; page++)
        {
            var html = await console.GetStringAsync($"/admin/events/{slug}/registrations?page={page}");
            if (HtmlSafety.Canary(html) is { } problem) _failures.Add(("console", $"console list page {page}: {problem}"));
            foreach (var value in stored)
                if (HtmlSafety.Reflection(html, value) is { } reflected && !reflected.StartsWith("an ", StringComparison.Ordinal))
                    _failures.Add(("console", $"console list page {page}: {HostileCorpus.Show(value)} {reflected}"));
        }
        return total;
    }

    static bool IsHtml(HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType == "text/html";

    static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>The error page says little; the problem-details title or the page title says enough.</summary>
    static string Brief(string body) => Regex.Match(body, "<title>([^<]*)</title>|\"title\":\"([^\"]*)\"") is { Success: true } m ? m.Value : Cut(body);

    /// <summary>One client: its own cookies and anti-forgery token, fetched once and reused for every form it posts.</summary>
    sealed partial class Worker : IAsyncDisposable
    {
        static int _workers;
        readonly int _id = Interlocked.Increment(ref _workers);
        int _emails;
        public required HttpClient Client { get; init; }
        public required string Token { get; init; }
        public int Count => _emails;

        public static async Task<Worker> StartAsync(PortalApp app, string slug)
        {
            var client = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = true,
                CookieContainer = new CookieContainer(),
                RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            })
            { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            var page = await client.GetStringAsync($"/events/{slug}");
            var token = AntiforgeryToken().Match(page);
            Assert.True(token.Success, "no anti-forgery token on the event page");
            return new Worker { Client = client, Token = token.Groups[1].Value };
        }

        public string NextEmail() => $"fz-{_id}-{Interlocked.Increment(ref _emails)}@example.jp";

        /// <summary>A form post with this worker's anti-forgery token, the values percent-encoded as UTF-8 (a lone surrogate becomes U+FFFD).</summary>
        public HttpRequestMessage Form(string path, Dictionary<string, string> fields) =>
            new(HttpMethod.Post, path) { Content = FormContent(string.Join("&", fields.Append(new("__RequestVerificationToken", Token)).Select(p => $"{Query(p.Key)}={Query(p.Value)}"))) };

        /// <summary>A form post whose <paramref name="field"/> holds the value's raw bytes, invalid UTF-8 spliced in, unencoded.</summary>
        public HttpRequestMessage RawForm(string path, Dictionary<string, string> fields, string field, string value)
        {
            fields.Remove(field);
            var head = Encoding.ASCII.GetBytes(string.Join("&", fields.Append(new("__RequestVerificationToken", Token)).Select(p => $"{Query(p.Key)}={Query(p.Value)}")) + $"&{field}=");
            var raw = Corrupt(value, _emails).Select(b => b is (byte)'&' or (byte)'=' or (byte)'%' or (byte)'+' ? (byte)'_' : b).ToArray();
            var content = new ByteArrayContent([.. head, .. raw]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        }

        /// <summary>No charset parameter: like a browser, so the server decodes the percent-encoded bytes as UTF-8.</summary>
        static ByteArrayContent FormContent(string body)
        {
            var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            return content;
        }

        [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
        private static partial Regex AntiforgeryToken();

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
