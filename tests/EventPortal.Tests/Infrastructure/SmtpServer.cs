using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EventPortal.Tests.Events;

namespace EventPortal.Tests.Infrastructure;

/// <summary>Command-line options of tests/tools/smtp_server.py.</summary>
/// <param name="Reject">Regex: RCPT TO addresses matching it get "550 5.1.1 User unknown".</param>
/// <param name="TempFail">Regex: RCPT TO addresses matching it get "451 4.3.0 Try again later".</param>
/// <param name="RcptDelayMs">Delay before answering each RCPT (lets a kill land between messages).</param>
/// <param name="DataReplyDelayMs">Delay between storing a message and answering its 250 (lets a kill land in the
/// client's at-least-once window: the message is delivered, the client has not heard so).</param>
/// <param name="Auth">"USER:PASS": the server then requires AUTH LOGIN/PLAIN (no TLS).</param>
/// <param name="Tls">STARTTLS (offered and required) or implicit TLS, with a self-signed certificate made for the
/// server (<see cref="SmtpServer.CertificateFile"/>); none by default.</param>
/// <param name="XOAuth2">"USER:TOKENFILE": the server then requires AUTH XOAUTH2 for USER with a bearer token listed in
/// TOKENFILE (as Exchange Online, which accepts tokens its identity platform issued: <see cref="FakeGraph.ExchangeTokenFile"/>).</param>
public sealed record SmtpServerOptions(
    string? Reject = null, string? TempFail = null, int RcptDelayMs = 0, string? Auth = null, SmtpTls Tls = SmtpTls.None,
    string? XOAuth2 = null, int DataReplyDelayMs = 0);

/// <summary>How the test SMTP server speaks TLS.</summary>
public enum SmtpTls { None, StartTls, Implicit }

/// <summary>
/// A real SMTP server for a test (tests/tools/smtp_server.py on Debian's python3-aiosmtpd), on a
/// loopback port, storing every accepted message byte for byte in a maildir of its own. Messages
/// are read back through an independent MIME parser (tests/tools/mime_dump.py, Python's email
/// package): see SmtpServer.Messages.cs. Stop/Restart simulate an outage; what was stored stays.
/// </summary>
public sealed partial class SmtpServer : IAsyncDisposable
{
    const string Python = "/usr/bin/python3";
    const string InstallHint = "Run ./scripts/test.sh, which installs python3-aiosmtpd.";
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    static readonly ConcurrentDictionary<SmtpServer, byte> Live = new();
    static readonly Lazy<Task> Prerequisites = new(CheckPrerequisitesAsync);

    static SmtpServer() =>
        // A test that never disposes (e.g. a failing IAsyncLifetime.InitializeAsync) must not
        // leave a python process or a temp dir behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Live.Keys)
            {
                if (server._process is { } process) { Kill(process); process.WaitForExit(2000); }
                server.DeleteDirectory();
            }
        };

    static string Tools => Path.Combine(Repo.Root, "tests", "tools");

    readonly SmtpServerOptions _options;
    readonly string _directory;
    Process? _process;
    StringBuilder _stderr = new();

    public int Port { get; private set; }
    public string MailDir { get; }
    /// <summary>The server's self-signed certificate (PEM) when it speaks TLS, else null: what a client pins.</summary>
    public string? CertificateFile { get; private set; }
    public bool IsRunning => _process is { HasExited: false };
    string HoldFile => Path.Combine(_directory, "hold");

    /// <summary>
    /// From now on, sessions wait before their RCPT is answered (those already past RCPT finish):
    /// after a moment no message is half-accepted, so a client killed then cannot have had its
    /// data stored without hearing "250". <see cref="Release"/> lets them go on.
    /// </summary>
    public void Hold() => File.WriteAllText(HoldFile, "");

    public void Release() => File.Delete(HoldFile);

    SmtpServer(SmtpServerOptions options, int port, string directory)
    {
        (_options, Port, _directory) = (options, port, directory);
        MailDir = Path.Combine(directory, "maildir");
    }

    public static async Task<SmtpServer> StartAsync(SmtpServerOptions? options = null, int? port = null)
    {
        await Prerequisites.Value;
        var directory = Path.Combine(Path.GetTempPath(), $"eventportal-smtp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var server = new SmtpServer(options ?? new SmtpServerOptions(), port ?? PostgresServer.FreePort(), directory);
        Live.TryAdd(server, 0);
        try
        {
            // A free port can be taken by someone else between probing and binding: retry then.
            for (var attempt = 1; ; attempt++)
            {
                try { await server.LaunchAsync(); return server; }
                catch (InvalidOperationException e)
                    when (port is null && attempt < 5 && e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
                {
                    server.Port = PostgresServer.FreePort();
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server (an outage, not a graceful shutdown). Stored messages stay.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null) return;
        Kill(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await process.WaitForExitAsync(timeout.Token); } catch (OperationCanceledException) { }
        process.Dispose();
    }

    /// <summary>Starts the server again on the same port, maildir and options.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        DeleteDirectory();
        Live.TryRemove(this, out _);
    }

    void DeleteDirectory()
    {
        try { if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    string Stderr { get { lock (_stderr) return _stderr.ToString().Trim(); } }

    async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        foreach (var arg in new[]
        {
            "-u", Path.Combine(Tools, "smtp_server.py"), "--port", Port.ToString(), "--maildir", MailDir, "--hold-file", HoldFile
        })
            start.ArgumentList.Add(arg);
        void Option(string name, string? value) { if (value is not null) { start.ArgumentList.Add(name); start.ArgumentList.Add(value); } }
        Option("--reject", _options.Reject);
        Option("--tempfail", _options.TempFail);
        Option("--rcpt-delay-ms", _options.RcptDelayMs > 0 ? _options.RcptDelayMs.ToString() : null);
        Option("--data-reply-delay-ms", _options.DataReplyDelayMs > 0 ? _options.DataReplyDelayMs.ToString() : null);
        Option("--auth", _options.Auth);
        Option("--xoauth2", _options.XOAuth2);
        if (_options.Tls != SmtpTls.None)
        {
            CertificateFile ??= TestCertificate.WritePem(_directory, "smtp");
            Option("--tls", _options.Tls == SmtpTls.StartTls ? "starttls" : "implicit");
            Option("--cert", CertificateFile);
            Option("--key", Path.ChangeExtension(CertificateFile, ".key"));
        }

        var stderr = new StringBuilder();
        _stderr = stderr;
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("READY", StringComparison.Ordinal) == true) ready.TrySetResult(true);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Exited += (_, _) => ready.TrySetResult(false);
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var finished = await Task.WhenAny(ready.Task, Task.Delay(ReadyTimeout));
        if (finished == ready.Task && await ready.Task) return;
        var exited = process.HasExited;
        if (exited) process.WaitForExit(); // drain the stderr events
        await StopAsync();
        var detail = Stderr;
        if (detail.Contains("Errno 98") || detail.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            detail = "address in use: " + detail;
        throw new InvalidOperationException(
            (exited
                ? $"smtp_server.py exited before it was ready (port {Port})"
                : $"smtp_server.py was not ready within {ReadyTimeout.TotalSeconds} s (port {Port})") +
            (detail.Length > 0 ? $":\n{detail}" : " (no stderr)"));
    }

    static async Task CheckPrerequisitesAsync()
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing (Debian's python3). {InstallHint}");
        var (code, _, stderr) = await RunAsync(["-c", "import aiosmtpd"], TimeSpan.FromSeconds(30));
        if (code != 0)
            throw new InvalidOperationException($"{Python} cannot import aiosmtpd. {InstallHint}\n{stderr.Trim()}");
    }

    static void Kill(Process process)
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already gone
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Runs /usr/bin/python3 with the arguments, bounded by a timeout.</summary>
    internal static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        foreach (var arg in arguments) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new TimeoutException($"{Python} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
