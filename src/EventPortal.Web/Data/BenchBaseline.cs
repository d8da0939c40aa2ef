using Dapper;

namespace EventPortal.Web.Data;

/// <summary>
/// <c>POST /bench/baseline</c>, mapped only when <c>EventPortal:Bench:Enabled=true</c>: one INSERT
/// through the same write path as a registration, and nothing else. bench/ measures it in
/// the same run as the registration endpoint, so the ratio between the two says what the
/// registration logic costs on this machine, whatever else the machine is doing.
/// </summary>
public static class BenchBaseline
{
    public static void MapBenchBaseline(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (!configuration.GetValue<bool>("EventPortal:Bench:Enabled")) return;
        var db = app.ServiceProvider.GetRequiredService<Db>();
        var table = new Lazy<Task>(() => db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS bench_baseline (id BIGINT PRIMARY KEY, at TEXT NOT NULL)", transaction: tx)),
            CancellationToken.None));
        app.MapPost("/bench/baseline", async (CancellationToken ct) =>
        {
            await table.Value;
            var id = Random.Shared.NextInt64(1, long.MaxValue);
            await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO bench_baseline (id, at) VALUES (@id, @at)", new { id, at = DateTime.UtcNow.ToString("O") }, tx,
                cancellationToken: ct)), ct);
            return Results.Created();
        }).DisableAntiforgery();
    }
}
