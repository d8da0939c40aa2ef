using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>
/// axe-core 4.14 (the copy bundled in Deque.AxeCore.Commons) run straight in the page: inject
/// the script, call <c>axe.run</c>, bring back a summary. About four times faster than
/// Deque.AxeCore.Playwright's RunAxe, which spends most of its time outside the browser.
/// </summary>
public static class Axe
{
    static readonly Lazy<string> Source = new(() => new BundledAxeScriptProvider().GetScript());

    public sealed class Violation
    {
        public string Id { get; set; } = "";
        public string Impact { get; set; } = "";
        public string Help { get; set; } = "";
        public string[] Targets { get; set; } = [];
    }

    public sealed class Result
    {
        /// <summary>The ids of the rules that passed.</summary>
        public string[] Passes { get; set; } = [];
        public int Incomplete { get; set; }
        public Violation[] Violations { get; set; } = [];
    }

    const string Run = """
        async () => {
            const r = await axe.run(document, { resultTypes: ['violations'] });
            return {
                passes: r.passes.map(p => p.id),
                incomplete: r.incomplete.length,
                violations: r.violations.map(v =>
                    ({ id: v.id, impact: v.impact || '', help: v.help, targets: v.nodes.map(n => n.target.join(' ')) })),
            };
        }
        """;

    public static async Task<Result> RunAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof axe === 'object'"))
            await page.EvaluateAsync(Source.Value);
        return await page.EvaluateAsync<Result>(Run);
    }

    /// <summary>
    /// Runs axe on the page as it is now (and checks a label on every control, no inline style or
    /// script, the page's language), prints the result, and returns the serious and critical findings.
    /// </summary>
    public static async Task<List<string>> AuditAsync(BrowserFixture browser, Visitor visitor, string name, string? expectLanguage = null)
    {
        var language = await visitor.LanguageAsync();
        if (expectLanguage is not null) Assert.Equal(expectLanguage, language);
        await PageChecks.AssertControlsLabelledAsync(visitor.Page);
        await PageChecks.AssertNoInlineStyleOrScriptAsync(visitor.Page);
        var result = await RunAsync(visitor.Page);
        var byImpact = result.Violations.GroupBy(v => v.Impact).Select(g => $"{g.Key} {g.Count()}");
        browser.Print($"axe {name} [{language}, {visitor.Page.ViewportSize?.Width}px] {visitor.Path}: " +
            $"{result.Passes.Length} rules passed, " +
            $"{result.Violations.Length} violated ({string.Join(", ", byImpact.DefaultIfEmpty("none"))}), " +
            $"{result.Incomplete} need review");
        var findings = new List<string>();
        foreach (var v in result.Violations)
        {
            var line = $"  {v.Impact} {v.Id}: {v.Help} — " + string.Join("; ", v.Targets.Take(3));
            browser.Print(line);
            if (v.Impact is "serious" or "critical") findings.Add($"{name}: {line.Trim()}");
        }
        return findings;
    }
}
