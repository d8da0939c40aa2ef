using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Shared;

public static class Health
{
    /// <summary><c>GET /healthz</c>: 200 when the database answers, 503 when it does not.</summary>
    public static async Task<IResult> CheckAsync(Db db, CancellationToken ct)
    {
        try
        {
            await using var connection = await db.OpenAsync(ct);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: ct));
            return Results.Ok(new { status = "ok", database = db.Provider.ToString() });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Results.Json(new { status = "unavailable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
