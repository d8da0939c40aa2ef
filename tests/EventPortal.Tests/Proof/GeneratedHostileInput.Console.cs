using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Proof;

/// <summary>
/// The organiser side: the same generated values against every console form field and handler
/// and every admin API field, signed in as the owner (sign-in signed out), one request at a time
/// so the database can be compared before and after each. Whatever is sent: no 5xx, nothing
/// reflected as markup, no redirect off the site; a refusal is a 4xx or the form shown again with
/// its error (in Japanese, the console's language here) and changes nothing; a value outside a
/// closed set (a select, a radio) is refused, not mapped onto a default; a read changes nothing.
/// </summary>
public sealed partial class GeneratedHostileInput
{
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Generated_hostile_values_in_every_console_form_and_admin_API_field_get_a_clear_error_and_change_nothing(
        string provider)
    {
        var seed = ProofRun.Size("FUZZ_SEED", 20261121);
        var values = HostileCorpus.Generate(ProofRun.Size("FUZZ_VALUES", 1200), seed);
        var settings = Organisers.Bootstrap(new()
        {
            ["EventPortal:Outbox:DispatcherEnabled"] = "false",
            ["EventPortal:RateLimits:Enabled"] = "false",
        });
        await using var app = provider == "Postgres"
            ? await PortalApp.StartPostgresAsync(settings: settings)
            : await PortalApp.StartSqliteAsync(settings: settings);
        var scene = await ConsoleSceneAsync(app);
        await using var organiser = await Worker.StartAsync(app, "/admin/accounts", signIn: true);
        await using var visitor = await Worker.StartAsync(app, "/admin/signin", signIn: false);

        var targets = ConsoleTargets(scene);
        var fanout = Math.Min(targets.Count, ProofRun.Size("FUZZ_CONSOLE_FANOUT", 3));
        var order = new Random(seed);
        var work = Enumerable.Range(0, values.Count)
            .SelectMany(v => targets.OrderBy(_ => order.Next()).Take(fanout).Select(t => (Value: v, Target: t))).ToList();
        var clock = Stopwatch.StartNew();
        var state = await ConsoleState.ReadAsync(app);
        foreach (var (v, target) in work)
            state = await ProbeConsoleAsync(app, target.Anonymous ? visitor : organiser, target, v, values[v], state);
        var setup = await SetupPageAsync(values, order);
        clock.Stop();

        var fields = targets.Count + SetupFields.Length;
        var api = targets.Count(t => t.Covers.Contains(" /api/admin", StringComparison.Ordinal));
        output.WriteLine($"console: {values.Count} generated values (seed {seed}) to {fields} console and admin API targets "
            + $"({targets.Count - api} console, {api} admin API, {SetupFields.Length} setup), {fanout} each (setup: 1): "
            + $"{_requests} requests in {clock.Elapsed.TotalSeconds:0.0} s "
            + $"(reading the database {ConsoleState.Spent.Elapsed.TotalSeconds:0.0} s) "
            + $"covering {targets.Select(t => t.Covers).Distinct().Count()} "
            + $"handlers and endpoints; {_refused} refused and checked unchanged, {_accepted} accepted; {setup} setup posts; answers: "
            + string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        ProofRun.Record(output, "console-hostile-input", new Dictionary<string, object?>
        {
            ["provider"] = provider, ["values"] = values.Count, ["seed"] = seed, ["targets"] = fields,
            ["console_targets"] = targets.Count - api,
            ["api_targets"] = api, ["setup_targets"] = SetupFields.Length, ["fanout"] = fanout, ["requests"] = _requests,
            ["refused"] = _refused, ["accepted"] = _accepted, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["status_5xx"] = _statuses.Where(p => p.Key >= 500).Sum(p => p.Value), ["failures"] = _failures.Count,
        });
        Assert.True(values.Count >= 1000 || ProofRun.Size("FUZZ_VALUES", 1200) < 1000, "fewer than 1,000 values");
        Assert.True(_failures.IsEmpty,
            $"{_failures.Count} failures (reproduce with PROOF_FUZZ_SEED={seed}; value # is the index in HostileCorpus.Generate):\n" +
            string.Join("\n", _failures.GroupBy(f => f.Target).OrderBy(g => g.Key).Select(g =>
                $"{g.Key}: {g.Count()}\n  " + string.Join("\n  ", g.Select(f => f.Text).Order().Take(3)))));
    }

    int _refused, _accepted;
    const string StaffEmail = "staff@example.jp";

    /// <summary>One event with two registrations, a staff account, an API token and a failed outbox row.</summary>
    static async Task<ConsoleScene> ConsoleSceneAsync(PortalApp app)
    {
        var slug = await app.CreateEventAsync(liveSeats: 1);
        long id;
        using (var client = app.Client())
        {
            await client.RegisteredAsync(slug, "first@example.jp");
            await client.RegisteredAsync(slug, "waiting@example.jp");
            id = await app.QueryOneAsync<long>("SELECT MIN(id) FROM registrations");
        }
        using var browser = await app.SignedInAsync();
        await browser.SubmitAsync("/admin/accounts", "/admin/accounts/add", new Dictionary<string, string>
            { ["email"] = StaffEmail, ["name"] = "担当", ["role"] = "staff", ["password"] = "a long enough password" });
        await browser.SubmitAsync("/admin/accounts", "/admin/accounts/token", new Dictionary<string, string> { ["tokenName"] = "spare" });
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admins"));
        // No SMTP here: a row that failed, for the outbox's retry button.
        await app.ExecuteAsync("UPDATE outbox SET status = 'failed', last_error = 'test' WHERE id = (SELECT MIN(id) FROM outbox)");
        var editor = await ConsoleForms.FormFieldsAsync(browser, $"/admin/events/{slug}/edit");
        using var api = app.Api();
        var answer = await api.GetFromJsonAsync<JsonElement>($"/api/admin/events/{slug}");
        var properties = answer.EnumerateObject().SelectMany(p => p.Value.ValueKind == JsonValueKind.Array
            ? p.Value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object)
                .SelectMany(i => i.EnumerateObject().Select(x => $"{p.Name}[].{x.Name}"))
            : [p.Name]).Distinct().ToList();
        return new ConsoleScene(slug, id, await app.QueryOneAsync<long>("SELECT MAX(id) FROM admins"),
            await app.QueryOneAsync<long>("SELECT MAX(id) FROM api_tokens"), await app.QueryOneAsync<long>("SELECT MIN(id) FROM outbox"),
            editor, properties, await app.QueryOneAsync<long>("SELECT MIN(id) FROM reminder_rules"));
    }

    async Task<ConsoleState> ProbeConsoleAsync(PortalApp app, Worker worker, ConsoleTarget target, int index,
        (string Value, string Origin) item, ConsoleState before)
    {
        using var request = target.Build(worker, item.Value);
        if (request is null) { Interlocked.Increment(ref _skipped); return before; }
        if (target.Covers.Contains(" /api/admin", StringComparison.Ordinal))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Organisers.ApiToken);
        Interlocked.Increment(ref _requests);
        var where = $"value #{index} ({item.Origin}) {HostileCorpus.Show(item.Value)} in {target.Name}";
        HttpResponseMessage response;
        try { response = await worker.Client.SendAsync(request); }
        catch (HttpRequestException e)
        {
            _failures.Add((target.Name, $"{where}: no answer ({e.HttpRequestError}: {e.Message})"));
            return await ConsoleState.ReadAsync(app);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var body = await response.Content.ReadAsStringAsync();
            var after = await ConsoleState.ReadAsync(app);
            void Fail(string what) => _failures.Add((target.Name, $"{where}: {status} {what}"));
            if (status >= 500) { Fail(Brief(body)); return after; }
            if (response.Headers.Location is { } location && !OnSite(location, worker)) Fail($"redirects off the site to {location}");
            if (IsHtml(response) && (target.Markdown && item.Value.IndexOfAny(['<', '>']) < 0
                    ? HtmlSafety.Canary(body) : HtmlSafety.Reflection(body, item.Value)) is { } problem)
                Fail(problem);
            var alert = IsHtml(response) && body.Contains("role=\"alert\"", StringComparison.Ordinal);
            var refused = status >= 400 || alert;
            var difference = after.Difference(before, target.Anonymous, target.Audited);
            if (refused) Interlocked.Increment(ref _refused); else Interlocked.Increment(ref _accepted);
            if (difference is not null && (refused || target.ReadOnly))
                Fail($"{(refused ? "refused" : "a read")}, but the database changed: {difference}");
            if (!refused && !target.ReadOnly && target.Allowed is { } allowed && !allowed(item.Value))
                Fail("accepted a value outside the field's choices");
            if (alert && status < 400 && !target.ReadOnly) Fail("shows an error with a success status");
            if (IsHtml(response) && status is 400 or 422 && body.Length > 0
                && !body.Contains("<html lang=\"ja\"", StringComparison.Ordinal))
                Fail("the error page is not in the console's language");
            return after;
        }
    }

    static bool OnSite(Uri location, Worker worker)
    {
        var to = location.OriginalString;
        return location.IsAbsoluteUri
            ? to.StartsWith(worker.Client.BaseAddress!.ToString(), StringComparison.Ordinal)
            : to.StartsWith('/') && !to.StartsWith("//", StringComparison.Ordinal) && !to.StartsWith("/\\", StringComparison.Ordinal);
    }

    static readonly string[] SetupFields = ["email", "name", "password", "passwordConfirmation"];

    /// <summary>
    /// The one-time setup page, on an install with no organiser yet: each value in one of its
    /// fields, with the two passwords always different so no post may create the owner. Returns
    /// how many were posted.
    /// </summary>
    async Task<int> SetupPageAsync(IReadOnlyList<(string Value, string Origin)> values, Random order)
    {
        await using var fresh = await PortalApp.StartSqliteAsync(settings: new Dictionary<string, string?>
            { ["EventPortal:Outbox:DispatcherEnabled"] = "false", ["EventPortal:RateLimits:Enabled"] = "false" });
        await using var first = await Worker.StartAsync(fresh, "/admin/setup", signIn: false);
        var form = new Dictionary<string, string>
        {
            ["email"] = "owner@example.jp", ["name"] = "事務局", ["password"] = "a long enough password",
            ["passwordConfirmation"] = "another one",
        };
        var target = new ConsoleTarget("setup", "/Admin/SetupPage POST ", (w, v) => null);
        var posted = 0;
        var before = await ConsoleState.ReadAsync(fresh);
        for (var v = 0; v < values.Count; v++)
        {
            var field = SetupFields[order.Next(SetupFields.Length)];
            var fields = With(form, field, values[v].Value);
            if (field == "password") fields["passwordConfirmation"] = values[v].Value + "x";
            var probe = target with { Name = $"setup {field}", Build = (w, value) => w.Form("/admin/setup", fields) };
            before = await ProbeConsoleAsync(fresh, first, probe, v, values[v], before);
            posted++;
        }
        if (await fresh.QueryOneAsync<int>("SELECT COUNT(*) FROM admins") != 0) _failures.Add(("setup", "an owner was created"));
        return posted;
    }
}
