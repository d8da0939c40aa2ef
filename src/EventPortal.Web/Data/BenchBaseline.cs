using Dapper;
using EventPortal.Web.Events;

namespace EventPortal.Web.Data;

/// <summary>
/// What bench/ needs, mapped only when <c>EventPortal:Bench:Enabled=true</c>:
/// <list type="bullet">
/// <item><c>POST /bench/baseline</c>: one INSERT through the same write path as a registration, and
/// nothing else. bench/ measures it in the same run as the registration endpoint, so the ratio
/// between the two says what the registration logic costs on this machine, whatever else the
/// machine is doing.</item>
/// <item>The event <c>bench-rush</c> (<see cref="Build"/>), seeded once per database: a capped live
/// ticket with a waitlist and an unlimited recording ticket, neither confirming the address, so
/// that every new registration answers 201.</item>
/// </list>
/// Both are prepared once per process, after the migrations: started when the app has started,
/// and awaited by <c>POST /bench/baseline</c>, so an answer from it means the event is there.
/// </summary>
public static class BenchBaseline
{
    public const string Slug = "bench-rush";
    /// <summary>
    /// Seats of the capped ticket: PostgreSQL's run never fills them; SQLite's fills them in its second round, and the
    /// registrations after that join the waitlist (still 201; bench/README.md).
    /// </summary>
    public const int CappedSeats = 100_000;

    public static void MapBenchBaseline(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (!configuration.GetValue<bool>("EventPortal:Bench:Enabled")) return;
        var services = app.ServiceProvider;
        var db = services.GetRequiredService<Db>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EventPortal.Bench");
        var ready = new Lazy<Task>(() => PrepareAsync(db, time.GetUtcNow().UtcDateTime, logger));
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
            ready.Value.ContinueWith(t => logger.LogError(t.Exception, "Preparing the bench table and event failed"),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default));
        app.MapPost("/bench/baseline", async (CancellationToken ct) =>
        {
            await ready.Value;
            var id = Random.Shared.NextInt64(1, long.MaxValue);
            await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO bench_baseline (id, at) VALUES (@id, @at)", new { id, at = DateTime.UtcNow.ToString("O") }, tx,
                cancellationToken: ct)), ct);
            return Results.Created();
        }).DisableAntiforgery();
    }

    static async Task PrepareAsync(Db db, DateTime nowUtc, ILogger logger)
    {
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS bench_baseline (id BIGINT PRIMARY KEY, at TEXT NOT NULL)", transaction: tx)),
            CancellationToken.None);
        if (await SeedAsync(db, nowUtc, CancellationToken.None)) logger.LogInformation("Seeded the bench event {Slug}", Slug);
    }

    /// <summary>
    /// Inserts <see cref="Build"/> once per database, the way the demo seed does: an <c>app_state</c>
    /// claim decides, so several instances starting together on one database insert it once.
    /// </summary>
    public static Task<bool> SeedAsync(Db db, DateTime nowUtc, CancellationToken ct) =>
        DemoSeed.SeedOnceAsync(db, "bench_seeded", Build(nowUtc), nowUtc, ct);

    /// <summary>
    /// A published event four weeks ahead with sales open now: <c>capped</c>, a live ticket of
    /// <see cref="CappedSeats"/> seats with a waitlist, and <c>unlimited</c>, a recording ticket without
    /// a capacity. Neither confirms the address (double opt-in answers 202 and holds the seat instead).
    /// </summary>
    public static EventSpec Build(DateTime nowUtc)
    {
        var start = new DateTime(nowUtc.Year, nowUtc.Month, nowUtc.Day, 3, 0, 0, DateTimeKind.Utc).AddDays(28);
        return new EventSpec
        {
            Slug = Slug,
            Title = "Bench rush",
            Summary = "Seeded for bench/run.sh when EventPortal:Bench:Enabled is on.",
            StartsAt = start,
            EndsAt = start.AddHours(1),
            TimeZone = "Asia/Tokyo",
            Language = "ja",
            Status = EventStatus.Published,
            Venue = "Online",
            OrganiserName = "EventPortal bench",
            OrganiserEmail = "bench@eventportal.example",
            ConsentPurpose = "Load testing only.",
            TicketTypes =
            [
                new(Code: "capped", NameJa: "ライブ参加", NameEn: "Live", Capacity: CappedSeats, Waitlist: true, Kind: "live")
                    { ConfirmAddress = false },
                new(Code: "unlimited", NameJa: "録画視聴", NameEn: "Recording", Capacity: null, Waitlist: false, Kind: "recording")
                    { ConfirmAddress = false },
            ],
            Categories = DemoSeed.StandardCategories,
        };
    }
}
