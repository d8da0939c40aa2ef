using System.Text.Json;
using EventPortal.Web.ApiDocs;
using EventPortal.Web.Attendance;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using EventPortal.Web.Events;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Admin;

/// <summary>
/// Organiser JSON and CSV API for registrations, on the <c>/api/admin</c> group (bearer token
/// set once on the group in Program.cs). Filters are the console's query string:
/// <c>q</c>, <c>ticket</c>, <c>status</c>, <c>category</c>, <c>attendance</c>.
/// </summary>
public static partial class RegistrationsAdminApi
{
    public static void MapRegistrationsAdminApi(this RouteGroupBuilder api)
    {
        api.MapGet("/events/{slug}/registrations", ListAsync).WithTags("Admin: registrations").WithName("AdminListRegistrations")
            .WithSummary("An event's registrations, filtered like the console's list")
            .Produces<IReadOnlyList<AdminRegistration>>().OfEvent().WithQuery(Filters);
        api.MapGet("/events/{slug}/registrations.csv", CsvAsync).WithTags("Admin: registrations").WithName("AdminRegistrationsCsv")
            .WithSummary("The same registrations as CSV (UTF-8 with BOM), safe to open in a spreadsheet")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").OfEvent().WithQuery(Filters);
        api.MapPut("/events/{slug}/attendance", MarkAttendanceAsync).WithTags("Admin: registrations").WithName("AdminMarkAttendance")
            .WithSummary("Mark who attended, as staff do in the console; one bad entry refuses the whole request")
            .ReadsJson<IReadOnlyList<AttendanceMark>>().Produces<AttendanceResult>().OfEvent();
        api.MapPost("/events/{slug}/registrations", AddAsync).WithTags("Admin: registrations")
            .WithName("AdminAddRegistration").WithSummary("Register someone who applied by phone, FAX, at the counter or elsewhere")
            .ReadsJson<StaffRegistrationRequest>().Produces<StaffRegistrationAdded>(StatusCodes.Status201Created)
            .Produces<StaffRegistrationAdded>().OfEvent().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/events/{slug}/registrations/{id:long}/cancel", CancelAsync).WithTags("Admin: registrations")
            .WithName("AdminCancelRegistration").WithSummary("Cancel on the registrant's behalf, as the console does")
            .Produces<RegistrationCancelled>().OfEvent().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPatch("/events/{slug}/registrations/{id:long}", CorrectAsync).WithTags("Admin: registrations")
            .WithName("AdminCorrectRegistration").WithSummary("Correct a registration with the console's checks and audit")
            .ReadsJson<RegistrationCorrection>().Produces<RegistrationCorrected>().OfEvent()
            .ProducesValidationProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>Cancels on the registrant's behalf, as the console does (the seat to the oldest waitlisted, a mail, an audit
    /// row).</summary>
    static async Task<IResult> CancelAsync(string slug, long id, HttpContext http, Db db, TimeProvider clock, CancellationToken ct)
    {
        if (await EventSpec.LoadAsync(db, slug, ct) is not { } e)
            return Problems.Status(StatusCodes.Status404NotFound, "error.eventNotFound");
        var outcome = await RegistrationActions.CancelAsync(db, http, e.Id, id, clock.GetUtcNow().UtcDateTime, ct);
        if (outcome == ActionOutcome.Done) return TypedResults.Ok(new { id, status = RegistrationStatus.Cancelled });
        return await Corrections.FindAsync(db, id, ct) is { } r && r.EventId == e.Id
            ? Problems.Status(StatusCodes.Status409Conflict, "error.alreadyCancelled")
            : Problems.Status(StatusCodes.Status404NotFound, "error.registrationNotFound");
    }

    /// <summary>
    /// Corrects a registration (<see cref="Corrections"/>): the registration API's fields, each optional (absent: kept);
    /// <c>answers</c>, when given, replaces every answer. The same checks, audit row and new invite as the console.
    /// </summary>
    static async Task<IResult> CorrectAsync(string slug, long id, HttpContext http, Db db, TimeProvider clock, CancellationToken ct)
    {
        var (root, refused) = await JsonBody.ReadAsync(http.Request, ct);
        if (refused is not null) return refused;
        var (sent, typeErrors) = RegistrationsApi.ReadInput(root);
        if (typeErrors.Count > 0) return Problems.Validation(typeErrors);
        if (await EventQueries.FindAsync(db, slug, ct, drafts: true) is not { } details)
            return Problems.Status(StatusCodes.Status404NotFound, "error.eventNotFound");
        if (await Corrections.FindAsync(db, id, ct) is not { } stored || stored.EventId != details.Event.Id)
            return Problems.Status(StatusCodes.Status404NotFound, "error.registrationNotFound");
        var kept = DetailsFields.From(stored);
        var merged = kept with
        {
            FamilyName = sent.FamilyName ?? kept.FamilyName, GivenName = sent.GivenName ?? kept.GivenName,
            Reading = sent.Reading ?? kept.Reading, Organization = sent.Organization ?? kept.Organization,
            Category = sent.Category ?? kept.Category, Accessibility = sent.Accessibility ?? kept.Accessibility,
            Questions = sent.Questions ?? kept.Questions, Answers = sent.Answers ?? kept.Answers,
        };
        var (valid, errors) = Corrections.Check(merged, stored, details, sent.Email is { } email ? EmailAddress.Clean(email) : null,
            fromForm: false, byStaff: true);
        if (valid is null) return Problems.Validation(errors.DistinctBy(e => e.Field));
        return await Corrections.ApplyAsync(db, http, id, valid, clock.GetUtcNow().UtcDateTime, ct) switch
        {
            Corrections.Outcome.AddressTaken => Problems.Validation([new("email", "adminRegistrations.errorAddressTaken")], 409),
            Corrections.Outcome.NotActive => Problems.Status(StatusCodes.Status409Conflict, "error.alreadyCancelled"),
            var outcome => TypedResults.Ok(new { id, changed = outcome == Corrections.Outcome.Done }),
        };
    }

    /// <summary>The console's filters (<see cref="RegistrationFilter.From"/>), for the OpenAPI document.</summary>
    static readonly (string, string)[] Filters =
    [
        ("q", "Part of a name, reading, address or organisation."), ("ticket", "A ticket type code."),
        ("status", "active (not cancelled), " + string.Join(", ", RegistrationStatus.All) + "."), ("category", "A category code."),
        ("attendance", "yes, no or unknown."),
    ];

    public const int MaxMarks = 5000;

    /// <summary>
    /// <c>[{"id": 12, "attended": true}, …]</c> (true, false, or null for "not recorded"): marks each
    /// registration of the event, as staff in the console do, with source <c>api</c> and an audit row each.
    /// Every entry is checked first; one bad entry refuses the whole request. Answers <c>{marked, unknown}</c>:
    /// how many were marked, and the ids that are not registrations of the event.
    /// </summary>
    static async Task<IResult> MarkAttendanceAsync(string slug, HttpContext http, Db db, TimeProvider clock, CancellationToken ct)
    {
        var (root, refused) = await JsonBody.ReadAsync(http.Request, ct, JsonValueKind.Array);
        if (refused is not null) return refused;
        var marks = new List<(long Id, bool? Attended)>();
        var errors = new List<FieldError>();
        var i = 0;
        foreach (var item in root.EnumerateArray())
        {
            if (i >= MaxMarks) { errors.Add(new FieldError("", "error.attendanceTooMany", MaxMarks)); break; }
            var at = $"[{i++}]";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("id", out var id)
                || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var n) || n <= 0)
                errors.Add(new FieldError(at + ".id", "error.attendanceId"));
            else if (!item.TryGetProperty("attended", out var a)
                     || a.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                errors.Add(new FieldError(at + ".attended", "error.attendanceMark"));
            else marks.Add((n, a.ValueKind == JsonValueKind.Null ? null : a.GetBoolean()));
        }
        if (errors.Count > 0) return Problems.Validation(errors);
        var e = await EventSpec.LoadAsync(db, slug, ct);
        if (e is null) return Problems.Status(StatusCodes.Status404NotFound, "error.eventNotFound");
        var marked = await RegistrationActions.MarkAttendanceAsync(db, http, e.Id, marks, AttendanceSource.Api,
            clock.GetUtcNow().UtcDateTime, ct);
        return TypedResults.Ok(new { marked = marked.Count, unknown = marks.Select(m => m.Id).Distinct().Except(marked).ToList() });
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
