using System.Text;

namespace EventPortal.Calendar.Tests;

/// <summary>
/// The writer's output compared byte for byte with hand-checked files under Golden/. On a
/// difference the actual output is saved next to the copied golden file (*.actual.ics in the
/// test output folder) for review; a golden file is only replaced after checking it line by line.
/// </summary>
public class GoldenFileTests
{
    private static readonly string[] CaseNames = ["publish-tokyo", "request-japanese", "cancel-tokyo", "publish-berlin-dst"];

    public static TheoryData<string> Cases => [.. CaseNames];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_matches_the_golden_file_byte_for_byte(string name)
    {
        byte[] actual = Ics.Bytes(Write(name));
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", name + ".ics");
        byte[] expected = File.Exists(path) ? File.ReadAllBytes(path) : [];
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(Path.ChangeExtension(path, ".actual.ics"), actual);
            Assert.Fail($"{name}.ics differs at {FirstDifference(expected, actual)}; actual output saved as {name}.actual.ics");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_output_is_well_formed_and_unfolds_to_what_Ical_Net_wrote(string name)
    {
        string text = Write(name);
        Ics.AssertWellFormed(text);
        (CalendarMethod method, CalendarEvent e) = Sample(name);
        Assert.Equal(Ics.LogicalLines(IcalNetOutput(method, e)), Ics.LogicalLines(text));
    }

    /// <summary>Ical.Net's serialization before <see cref="Folding"/> refolds it.</summary>
    internal static string IcalNetOutput(CalendarMethod method, CalendarEvent e) =>
        IcsWriter.Serialize(IcsWriter.ToCalendar(method, e, IcsWriter.DefaultProdId));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_output_round_trips_summary_description_location_and_instants(string name)
    {
        string text = Write(name);
        (_, CalendarEvent e) = Sample(name);
        List<ContentLine> ev = Ics.EventLines(text);
        Assert.Equal(e.Summary, Ics.UnescapeText(Ics.Single(ev, "SUMMARY").Value));
        Assert.Equal(
            Normalise(e.Description),
            ev.Where(l => l.Name == "DESCRIPTION").Select(l => Ics.UnescapeText(l.Value)).SingleOrDefault());
        Assert.Equal(e.Location, ev.Where(l => l.Name == "LOCATION").Select(l => Ics.UnescapeText(l.Value)).SingleOrDefault());
        var zones = new VTimeZoneEvaluator(text);
        Assert.Equal(e.StartUtc, zones.ToUtc(Ics.Single(ev, "DTSTART")));
        Assert.Equal(e.EndUtc, zones.ToUtc(Ics.Single(ev, "DTEND")));
    }

    [Fact]
    public void Golden_files_are_exactly_the_cases()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Golden");
        string[] files = [.. Directory.GetFiles(folder, "*.ics").Select(Path.GetFileName).Where(f => !f!.EndsWith(".actual.ics")).Order()!];
        Assert.Equal(CaseNames.Select(c => c + ".ics").Order(), files);
    }

    internal static (CalendarMethod, CalendarEvent) Sample(string name) => name switch
    {
        "publish-tokyo" => (CalendarMethod.Publish, Samples.PublishTokyo),
        "request-japanese" => (CalendarMethod.Request, Samples.RequestJapanese),
        "cancel-tokyo" => (CalendarMethod.Cancel, Samples.CancelTokyo),
        "publish-berlin-dst" => (CalendarMethod.Publish, Samples.BerlinAcrossDst),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static string Write(string name)
    {
        (CalendarMethod method, CalendarEvent e) = Sample(name);
        return IcsWriter.Write(method, e);
    }

    private static string? Normalise(string? text) => text?.Replace("\r\n", "\n").Replace('\r', '\n');

    private static string FirstDifference(byte[] expected, byte[] actual)
    {
        string[] e = Encoding.UTF8.GetString(expected).Split("\r\n");
        string[] a = Encoding.UTF8.GetString(actual).Split("\r\n");
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string? el = i < e.Length ? e[i] : null, al = i < a.Length ? a[i] : null;
            if (el != al)
            {
                return $"line {i + 1}: expected \"{el}\", actual \"{al}\"";
            }
        }
        return "the line ends";
    }
}
