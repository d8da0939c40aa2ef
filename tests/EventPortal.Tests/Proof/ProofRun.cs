using Xunit.Abstractions;
using System.Globalization;
using System.Text.Json;

namespace EventPortal.Tests.Proof;

/// <summary>
/// The proof scenarios (load, faults, hostile input) saturate both cores with app instances, PostgreSQL and a load
/// generator: they run one after another, after every other test, so that their timing and
/// everybody else's stay honest.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProofCollection
{
    public const string Name = "Proof";
}

/// <summary>
/// Sizes of the proof scenarios. The normal test run uses the short sizes given in the code;
/// <c>bench/proof.sh</c> sets <c>PROOF_*</c> environment variables for the full-size runs and
/// <c>PROOF_RESULTS</c>, a file that receives one JSON line of figures per scenario run.
/// </summary>
public static class ProofRun
{
    /// <summary><c>PROOF_{name}</c> as a whole number, or <paramref name="short"/>.</summary>
    public static int Size(string name, int @short) =>
        int.TryParse(
            Environment.GetEnvironmentVariable("PROOF_" + name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : @short;

    public static bool FullSize => Environment.GetEnvironmentVariable("PROOF_RESULTS") is { Length: > 0 };

    /// <summary>Prints the figures to the test output and, for bench/proof.sh, appends them to PROOF_RESULTS.</summary>
    public static void Record(ITestOutputHelper output, string scenario, IReadOnlyDictionary<string, object?> figures)
    {
        var line = JsonSerializer.Serialize(new Dictionary<string, object?>(figures) { ["scenario"] = scenario });
        output.WriteLine($"[proof] {line}");
        if (Environment.GetEnvironmentVariable("PROOF_RESULTS") is { Length: > 0 } file)
            lock (typeof(ProofRun)) File.AppendAllText(file, line + "\n");
    }
}
