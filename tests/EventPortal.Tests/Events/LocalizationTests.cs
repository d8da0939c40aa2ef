using System.Text.RegularExpressions;
using EventPortal.Web.Localization;

namespace EventPortal.Tests.Events;

/// <summary>Every UI string goes through <see cref="Text"/>: both languages have every key, and every key the code uses exists.</summary>
public sealed partial class LocalizationTests
{
    [Fact]
    public void Japanese_and_English_have_the_same_keys()
    {
        var ja = Text.Table("ja").Keys.ToHashSet();
        var en = Text.Table("en").Keys.ToHashSet();
        Assert.Empty(ja.Except(en));
        Assert.Empty(en.Except(ja));
        Assert.All(Text.Languages, l => Assert.DoesNotContain(Text.Table(l), kv => string.IsNullOrWhiteSpace(kv.Value)));
    }

    [Fact]
    public void Every_literal_key_used_in_code_and_pages_exists()
    {
        var source = Path.Combine(Repo.Root, "src", "EventPortal.Web");
        var used = Directory.EnumerateFiles(source, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            // Audit actions ("event.update") and outbox kinds ("mail.reminder") look like keys but are not shown to anyone.
            .SelectMany(f => File.ReadAllLines(f).Where(line =>
                !line.Contains("Audit.", StringComparison.Ordinal) && !line.Contains("const string", StringComparison.Ordinal)))
            .SelectMany(line => KeyLiteral().Matches(line).Select(m => m.Groups[1].Value))
            .Distinct()
            .ToList();
        Assert.True(used.Count > 50, $"found only {used.Count} keys; is the pattern still right?");
        // A literal ending in '.' is the start of a key completed in code ("status." + status).
        var missing = used.Where(k => !k.EndsWith('.') && !Text.Table("ja").ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "missing keys: " + string.Join(", ", missing));
    }

    // "error.required", T["event.when"], "manage.cancelledNow"… : dotted lower-camel keys in string literals.
    [GeneratedRegex(
        "\"((?:site|language|layout|index|event|seats|register|form|field|hint|consent|status|manage|error|tz|link|calendar|resend|mail|" +
        "admin|adminOutbox|adminAudit|adminAccounts|adminRegistrations|adminEvent|adminMail|speakerQuestions|webhooks|" +
        "staffEntry|staffImport|channel)\\.[A-Za-z/.]+)\"")]
    private static partial Regex KeyLiteral();
}

public static class Repo
{
    public static string Root { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EventPortal.sln"))) return dir.FullName;
        throw new InvalidOperationException("EventPortal.sln not found above " + AppContext.BaseDirectory);
    }
}
