using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EventPortal.Tests.Events;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// Checks iCalendar bytes the way a strict client would: structure first (CRLF, 75-octet
/// lines, valid UTF-8 per physical line, balanced BEGIN/END, every TZID defined), then two
/// independent parsers run as child processes, ical.js (Mozilla, npm) and python-icalendar
/// (Debian). Both are lenient, hence the structural checks. Returns what both understood.
/// </summary>
public static class CalendarCheck
{
    public sealed record Parsed(string Parser, JsonElement Root)
    {
        public string? Method => Root.GetProperty("method").GetString();
        public JsonElement Event => Root.GetProperty("events")[0];
        public string? Str(string name) => Event.GetProperty(name).GetString();
    }

    public static async Task<IReadOnlyList<Parsed>> ParseAsync(byte[] ics)
    {
        AssertStructure(ics);
        var file = Path.Combine(Path.GetTempPath(), $"eventportal-{Guid.NewGuid():N}.ics");
        await File.WriteAllBytesAsync(file, ics);
        try
        {
            var tools = Path.Combine(Repo.Root, "tests", "tools");
            var results = await Task.WhenAll(
                RunAsync("ical.js", "node", Path.Combine(tools, "parse-ical.mjs"), file),
                RunAsync("python-icalendar", "/usr/bin/python3", Path.Combine(tools, "parse_ical.py"), file));
            foreach (var r in results)
            {
                Assert.True(r.Root.GetProperty("errors").GetArrayLength() == 0, $"{r.Parser} reported: {r.Root.GetProperty("errors")}");
                Assert.Equal(1, r.Root.GetProperty("events").GetArrayLength());
            }
            return results;
        }
        finally
        {
            File.Delete(file);
        }
    }

    static async Task<Parsed> RunAsync(string name, string program, string script, string file)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(file);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{name} exited with {process.ExitCode}: {await stderr}");
        return new Parsed(name, JsonDocument.Parse(await stdout).RootElement.Clone());
    }

    public static void AssertStructure(byte[] ics)
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var physical = new List<string>();
        var start = 0;
        for (var i = 0; i < ics.Length; i++)
        {
            if (ics[i] == (byte)'\n') Assert.True(i > 0 && ics[i - 1] == (byte)'\r', $"bare LF at byte {i}");
            if (ics[i] == (byte)'\r')
            {
                Assert.True(i + 1 < ics.Length && ics[i + 1] == (byte)'\n', $"bare CR at byte {i}");
                var length = i - start;
                Assert.True(length <= 75, $"line of {length} octets at byte {start}");
                // Each physical line must be valid UTF-8 on its own: a fold may not split a character.
                physical.Add(strict.GetString(ics, start, length));
                start = i + 2;
                i++;
            }
        }
        Assert.Equal(ics.Length, start); // ends with CRLF

        var logical = new List<string>();
        foreach (var line in physical)
        {
            if (line.StartsWith(' ') || line.StartsWith('\t')) logical[^1] += line[1..];
            else logical.Add(line);
        }
        var open = new Stack<string>();
        var defined = new HashSet<string>();
        var used = new HashSet<string>();
        foreach (var line in logical)
        {
            if (line.StartsWith("BEGIN:", StringComparison.Ordinal)) open.Push(line[6..]);
            else if (line.StartsWith("END:", StringComparison.Ordinal)) Assert.Equal(open.Pop(), line[4..]);
            if (line.StartsWith("TZID:", StringComparison.Ordinal)) defined.Add(line[5..]);
            var tzid = line.IndexOf(";TZID=", StringComparison.Ordinal);
            if (tzid >= 0) used.Add(line[(tzid + 6)..].Split(':', ';')[0].Trim('"'));
        }
        Assert.Empty(open);
        Assert.Equal("BEGIN:VCALENDAR", logical[0]);
        Assert.Subset(defined, used);
    }
}
