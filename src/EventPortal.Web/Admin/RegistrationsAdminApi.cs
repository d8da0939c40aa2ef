using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Admin;

/// <summary>
/// Organiser JSON and CSV API for registrations, on the <c>/api/admin</c> group (bearer token
/// set once on the group in Program.cs). Filters are the console's query string:
/// <c>q</c>, <c>ticket</c>, <c>status</c>, <c>category</c>, <c>attendance</c>.
/// </summary>
public static class RegistrationsAdminApi
{
    public static void MapRegistrationsAdminApi(this RouteGroupBuilder api)
    {
        api.MapGet("/events/{slug}/registrations", ListAsync);
        api.MapGet("/events/{slug}/registrations.csv", CsvAsync);
    }

    /// <summary>A JSON array, written while the rows are read: no list of 100,000 objects in memory.</summary>
    static async Task<IResult> ListAsync(string slug, HttpContext http, Db db, CancellationToken ct)
    {
        var e = await EventSpec.LoadAsync(db, slug, ct);
        if (e is null) return Problems.Status(StatusCodes.Status404NotFound, "error.eventNotFound");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(RegistrationsExport.JsonRowsAsync(db, e, RegistrationFilter.From(http.Request.Query), ct));
    }

    static async Task<IResult> CsvAsync(string slug, HttpContext http, Db db, CancellationToken ct)
    {
        var e = await EventSpec.LoadAsync(db, slug, ct);
        if (e is null) return Problems.Status(StatusCodes.Status404NotFound, "error.eventNotFound");
        await RegistrationsExport.WriteCsvAsync(http, db, e, RegistrationFilter.From(http.Request.Query), ct);
        return Results.Empty;
    }
}
