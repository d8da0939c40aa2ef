using System.Diagnostics;
using System.Text;
using EventPortal.Tests.Events;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// The app as a separate operating-system process (the build in src/EventPortal.Web/bin), for
/// tests that must kill it the hard way (<c>kill -9</c>) and start it again on the same data.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    public Uri BaseAddress { get; }

    AppProcess(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The process id (the outbox dispatcher's <c>claimed_by</c> contains it).</summary>
    public int Pid => _process.Id;

    public static async Task<AppProcess> StartAsync(IDictionary<string, string> settings, int? port = null)
    {
        // bin/{Debug|Release}/net10.0
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(Repo.Root, "src", "EventPortal.Web", "bin", configuration, "net10.0", "EventPortal.Web.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build the solution first (./scripts/test.sh does).");
        var address = new Uri($"http://127.0.0.1:{port ?? PostgresServer.FreePort()}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var app = new AppProcess(Process.Start(start)!, address);
        app._process.OutputDataReceived += (_, e) => { lock (app._output) app._output.AppendLine(e.Data); };
        app._process.ErrorDataReceived += (_, e) => { lock (app._output) app._output.AppendLine(e.Data); };
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (app._process.HasExited) throw new InvalidOperationException($"the app exited: {app.Output}");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the app did not answer within 60 s: {app.Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
