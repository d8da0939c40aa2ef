using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Events;

/// <summary>Starting the app: the README's command on a fresh machine, and several instances at once.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task The_README_command_serves_the_demo_event_from_data_in_the_directory_it_is_run_from()
    {
        // The README's command, plus where to listen, run from a fresh directory (not the repository root,
        // whose data/ may hold someone's own database): data/ must appear there, not in the project's folder.
        var here = Directory.CreateTempSubdirectory("eventportal-readme-").FullName;
        var data = Path.Combine(here, "data");
        var port = PostgresServer.FreePort();
        var project = Path.Combine(Repo.Root, "src", "EventPortal.Web");
        var start = new ProcessStartInfo("dotnet", $"run --project \"{project}\" -- --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = here,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("EventPortal__DataDirectory");
        start.Environment.Remove("EventPortal__Database__Provider");
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                Assert.False(process.HasExited, $"the app exited: {output}");
                try
                {
                    if ((await client.GetAsync("/healthz")).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) { }
                Assert.True(DateTime.UtcNow < deadline, $"the app did not answer within 3 minutes: {output}");
                await Task.Delay(500);
            }

            var events = await client.GetFromJsonAsync<JsonElement>("/api/events");
            var slug = events.EnumerateArray().Single().GetProperty("slug").GetString();
            Assert.Contains($"/events/{slug}", await client.GetStringAsync("/"));
            var page = await client.GetAsync($"/events/{slug}");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("成果報告会", html);
            Assert.Contains("12:00〜13:00 (日本時間)", html);
            Assert.Contains("11:55から入室できます", html);
            Assert.True(File.Exists(Path.Combine(data, "eventportal.db")), $"no {data}/eventportal.db: {output}");
            lock (output) Assert.Contains($"Data directory {data}", output.ToString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(here, recursive: true);
        }
    }

    [Fact]
    public async Task Two_instances_starting_at_once_on_one_empty_PostgreSQL_migrate_and_seed_once()
    {
        var server = await PostgresServer.SharedAsync();
        var database = new Dictionary<string, string?>
        {
            ["EventPortal:Database:Provider"] = "Postgres",
            ["ConnectionStrings:EventPortal"] = await server.CreateDatabaseAsync(),
        };

        var apps = await Task.WhenAll(
            PortalApp.StartAsync(database, seedDemo: true, null),
            PortalApp.StartAsync(database, seedDemo: true, null));
        await using var a = apps[0];
        await using var b = apps[1];

        await AssertBehaveAsOneAsync(a, b);
    }

    [Fact]
    public async Task Two_instances_starting_at_once_on_one_SQLite_file_migrate_and_seed_once()
    {
        var data = Directory.CreateTempSubdirectory("eventportal-shared-").FullName;
        var database = new Dictionary<string, string?> { ["EventPortal:Database:Provider"] = "Sqlite" };
        var shared = new Dictionary<string, string?> { ["EventPortal:DataDirectory"] = data };

        var apps = await Task.WhenAll(PortalApp.StartAsync(database, true, shared), PortalApp.StartAsync(database, true, shared));
        try
        {
            await AssertBehaveAsOneAsync(apps[0], apps[1]);
        }
        finally
        {
            foreach (var app in apps) await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    static async Task AssertBehaveAsOneAsync(PortalApp a, PortalApp b)
    {
        var migrations = EventPortal.Web.Data.Migrator.Load(a.Db.Provider).Count;
        Assert.Equal(migrations, await a.QueryOneAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(1, await a.QueryOneAsync<int>("SELECT COUNT(*) FROM events"));
        Assert.Equal(2, await a.QueryOneAsync<int>("SELECT COUNT(*) FROM ticket_types"));

        // Both derive personal links from the one shared key: a link made by one opens on the other.
        using var clientA = a.Client();
        using var clientB = b.Client();
        var slug = (await clientA.GetFromJsonAsync<JsonElement>("/api/events"))[0].GetProperty("slug").GetString()!;
        // The recording ticket confirms at once, so its answer carries the personal link (the live seats confirm the address).
        var personal = await clientA.RegisteredAsync(slug, "both@example.jp", "recording");
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetAsync(personal)).StatusCode);
    }
}
