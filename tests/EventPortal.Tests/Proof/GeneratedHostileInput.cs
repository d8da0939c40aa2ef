using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
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
    /// <summary>
    /// PostgreSQL (the multi-instance store, stricter about text than SQLite); <c>PROOF_FUZZ_PROVIDERS=Postgres,Sqlite</c> for both.
    /// </summary>
    public static TheoryData<string> Providers()
    {
        var data = new TheoryData<string>();
        foreach (var provider in
            (Environment.GetEnvironmentVariable("PROOF_FUZZ_PROVIDERS") is { Length: > 0 } list ? list : "Postgres").Split(','))
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
        await using var app = provider == "Postgres"
            ? await PortalApp.StartPostgresAsync(settings: settings)
            : await PortalApp.StartSqliteAsync(settings: settings);
        var slug = await app.CreateEventAsync(liveSeats: 100_000);
        await app.ExecuteAsync(
            "INSERT INTO event_questions (event_id, code, label_ja, label_en, required, position) " +
            "SELECT id, 'q1', '参加経験', 'Experience', false, 1 FROM events WHERE slug = @slug",
            new { slug });
        // One question of each other type (Events/Questions.cs), so typed answers meet the corpus too.
        foreach (var (code, kind, options) in TypedQuestions)
            await app.ExecuteAsync(
                "INSERT INTO event_questions (event_id, code, kind, label_ja, options, min_value, max_value, position) " +
                "SELECT id, @code, @kind, @code, @options, @min, @max, 2 FROM events WHERE slug = @slug",
                new { slug, code, kind, options, min = kind == "number" ? 1 : (int?)null, max = kind == "number" ? 5 : (int?)null });
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

        var summary = $"{values.Count} generated values (seed {seed}) posted to {targets.Count} targets, {fanout} each: " +
            $"{_requests} requests in {clock.Elapsed.TotalSeconds:0.0} s, " +
            $"{_skipped} not sendable by HttpClient; {stored} registrations stored " +
            "(those with markup shown again on the personal page and in the console); answers: " +
            string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"));
        output.WriteLine(summary);
        ProofRun.Record(output, "hostile-input", new Dictionary<string, object?>
        {
            ["provider"] = provider, ["values"] = values.Count, ["seed"] = seed, ["targets"] = targets.Count, ["fanout"] = fanout,
            ["requests"] = _requests, ["planned"] = total, ["not_sendable"] = _skipped, ["stored"] = stored,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["status_5xx"] = _statuses.Where(p => p.Key >= 500).Sum(p => p.Value), ["failures"] = _failures.Count,
            ["statuses"] = _statuses
                .OrderBy(p => p.Key)
                .ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value),
        });
        Assert.True(values.Count >= 1000 || ProofRun.Size("FUZZ_VALUES", 1200) < 1000, "fewer than 1,000 values");
        Assert.True(_failures.IsEmpty,
            $"{_failures.Count} failures (reproduce with PROOF_FUZZ_SEED={seed}; value # is the index in HostileCorpus.Generate):\n" +
            string.Join("\n", _failures.GroupBy(f => f.Target).OrderBy(g => g.Key).Select(g =>
                $"{g.Key}: {g.Count()}\n  " + string.Join("\n  ", g.Select(f => f.Text).Order().Take(3)))));
    }

    string _slug = "";
    string _managePath = "";
    int _requests, _skipped;
    readonly ConcurrentDictionary<int, int> _statuses = new();
    readonly ConcurrentBag<(string Target, string Text)> _failures = [];
    readonly ConcurrentBag<string> _storedValues = [];

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
                if (location.IsAbsoluteUri
                    ? !to.StartsWith(worker.Client.BaseAddress!.ToString(), StringComparison.Ordinal)
                    : !to.StartsWith('/')
                        || to.StartsWith("//", StringComparison.Ordinal)
                        || to.StartsWith("/\\", StringComparison.Ordinal))
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
                if ((int)page.StatusCode != 200)
                    _failures.Add((target.Name, $"{where}: stored, but its personal page answered {(int)page.StatusCode}"));
                else if (HtmlSafety.Reflection(html, item.Value) is { } stored)
                    _failures.Add((target.Name, $"{where}: on the personal page, {stored}"));
            }
        }
        catch (HttpRequestException e)
        {
            _failures.Add((target.Name, $"{where}: no answer ({e.HttpRequestError}: {e.Message})"));
        }
    }

    /// <summary>
    /// Every page of the console's registration list, signed in: stored hostile values appear only as text.
    /// Returns how many were stored.
    /// </summary>
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
    static string Brief(string body) =>
        Regex.Match(body, "<title>([^<]*)</title>|\"title\":\"([^\"]*)\"") is { Success: true } m ? m.Value : Cut(body);
}
