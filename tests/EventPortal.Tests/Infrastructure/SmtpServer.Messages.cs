using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// What the test SMTP server stored: the maildir's messages, oldest first, each parsed once by
/// tests/tools/mime_dump.py (an independent MIME parser, Python's email package).
/// </summary>
public sealed partial class SmtpServer
{
    static readonly SemaphoreSlim ParseSlots = new(4);

    readonly ConcurrentDictionary<string, Lazy<Task<ReceivedMail>>> _parsed = new();

    /// <summary>Every stored message, oldest first, parsed by mime_dump.py (cached per file).</summary>
    public async Task<IReadOnlyList<ReceivedMail>> MessagesAsync()
    {
        return await Task.WhenAll(MessageFiles().Select(LoadAsync));
    }

    async Task<ReceivedMail> LoadAsync(string file)
    {
        var entry = _parsed.GetOrAdd(file, f => new Lazy<Task<ReceivedMail>>(() => ReceivedMail.LoadAsync(f)));
        try { return await entry.Value; }
        catch
        {
            _parsed.TryRemove(KeyValuePair.Create(file, entry)); // do not cache a failure
            throw;
        }
    }

    /// <summary>Polls until at least <paramref name="count"/> messages are stored, then returns all of them.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(int count, TimeSpan timeout)
    {
        await WaitForStoredAsync(count, timeout);
        return await MessagesAsync();
    }

    /// <summary>How many messages are stored, without parsing them.</summary>
    public int StoredCount => MessageFiles().Count;

    /// <summary>
    /// Polls until at least <paramref name="count"/> messages are stored, and returns at once,
    /// parsing nothing (parsing starts a python process per message: too slow to time a kill by).
    /// </summary>
    public async Task WaitForStoredAsync(int count, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (MessageFiles().Count < count)
        {
            if (watch.Elapsed > timeout)
            {
                var arrived = MessageFiles();
                var envelopes = arrived.Select(f => $"  {Path.GetFileName(f)} -> {Envelope(f)}");
                throw new TimeoutException(
                    $"Expected at least {count} message(s) on the SMTP server (port {Port}) within {timeout.TotalSeconds:0.#} s, " +
                    $"but {arrived.Count} arrived. Server running: {IsRunning}." +
                    (arrived.Count > 0 ? "\n" + string.Join("\n", envelopes) : "") +
                    (Stderr.Length > 0 ? $"\nserver stderr:\n{Stderr}" : ""));
            }
            await Task.Delay(50);
        }
    }

    List<string> MessageFiles()
    {
        var found = new List<string>();
        foreach (var sub in new[] { "new", "cur" })
        {
            var dir = Path.Combine(MailDir, sub);
            if (Directory.Exists(dir)) found.AddRange(Directory.GetFiles(dir, "*.eml"));
        }
        // Names are "<8-digit counter>-<random>.eml", the counter continuing across restarts.
        return found.OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
    }

    static string Envelope(string eml)
    {
        try { return File.ReadAllText(Path.ChangeExtension(eml, ".json")); }
        catch (IOException e) { return $"(no envelope: {e.Message})"; }
    }

    internal static async Task<JsonElement> MimeDumpAsync(string file)
    {
        await ParseSlots.WaitAsync();
        try
        {
            var (code, stdout, stderr) = await RunAsync([Path.Combine(Tools, "mime_dump.py"), file], TimeSpan.FromSeconds(60));
            if (code != 0 || stdout.Trim().Length == 0)
                throw new InvalidOperationException($"mime_dump.py {file} exited with {code}: {stderr.Trim()}");
            using var document = JsonDocument.Parse(stdout);
            return document.RootElement.Clone();
        }
        finally { ParseSlots.Release(); }
    }
}
