using System.Text.Json;
using EventPortal.Web.ApiDocs;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Admin;

public static partial class RegistrationsAdminApi
{
    /// <summary>
    /// <c>POST …/registrations</c>: staff register someone who applied by phone, FAX, at the counter or elsewhere, as the
    /// console's staff entry does (<see cref="Registrar.RegisterByStaffAsync"/>: confirmed at once, else waitlisted or refused;
    /// mailed only when there is an address; audited). An <c>Idempotency-Key</c> header makes a retried request register
    /// the person once: the repeat answers 200 with the first registration.
    /// </summary>
    static async Task<IResult> AddAsync(string slug, HttpContext http, Db db, Registrar registrar, Links links, TimeProvider clock,
        CancellationToken ct)
    {
        var (root, refused) = await JsonBody.ReadAsync(http.Request, ct);
        if (refused is not null) return refused;
        var (input, errors) = RegistrationsApi.ReadInput(root);
        var channel = Choice(root, "channel", RegistrationChannel.ByStaff, RegistrationChannel.Other, errors);
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > 100 || !RegistrationValidator.IsCleanText(key, multiline: false))
            errors.Add(new("Idempotency-Key", "error.idempotencyKey"));
        if (await EventQueries.FindAsync(db, slug, ct, drafts: true) is not { } details)
            return Problems.Status(StatusCodes.Status404NotFound, "error.eventNotFound");
        var language = Choice(root, "language", ["ja", "en"], details.Event.Language, errors);
        var (valid, problems) = RegistrationValidator.Validate(input, details, fromForm: false, byStaff: true);
        errors.AddRange(problems);
        if (valid is null || errors.Count > 0) return Problems.Validation(errors.DistinctBy(e => e.Field));

        var (e, now, actor) = (details.Event, clock.GetUtcNow().UtcDateTime, http.User.Identity?.Name ?? "api");
        var entryKey = key.Length > 0 ? "api:" + key : null;
        var (result, repeated) = await registrar.WriteByStaffAsync(async (c, tx) =>
        {
            if (entryKey is not null && await Registrar.EnteredAsync(c, tx, e.Id, entryKey, ct) is { } id)
                return (new RegisterResult(RegisterOutcome.AlreadyRegistered, id), true);
            var r = await registrar.RegisterByStaffAsync(c, tx, e, valid, language, channel, actor, now, ct, entryKey);
            if (r.Outcome is RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted)
                await Audit.WriteAsync(c, tx, http, "registration.staff_entry", Corrections.Target(r.RegistrationId),
                    $"api, {channel}, {r.Status}{(valid.Email.Length == 0 ? ", no address" : "")}", now, ct);
            return (r, false);
        }, ct);
        if (repeated)
            return TypedResults.Ok(new StaffRegistrationAdded(result.RegistrationId,
                (await Corrections.FindAsync(db, result.RegistrationId, ct))?.Status ?? "", null, Repeated: true));
        return result.Outcome switch
        {
            RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted => TypedResults.Created((string?)null,
                new StaffRegistrationAdded(result.RegistrationId, result.Status,
                    valid.Email.Length == 0 ? links.Manage(http, result.ManageToken!) : null, Repeated: false)),
            RegisterOutcome.AlreadyRegistered => Problems.Status(StatusCodes.Status409Conflict, "error.alreadyRegistered"),
            RegisterOutcome.SoldOut => Problems.Status(StatusCodes.Status409Conflict, "error.soldOut"),
            _ => Problems.Status(StatusCodes.Status409Conflict, "error.notOnSale"),
        };
    }

    /// <summary>An optional string property that must be one of <paramref name="allowed"/>; absent or null: the default.</summary>
    static string Choice(JsonElement root, string name, string[] allowed, string fallback, List<FieldError> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return fallback;
        if (value.ValueKind == JsonValueKind.String && allowed.Contains(value.GetString())) return value.GetString()!;
        errors.Add(new(name, "error.badChoice"));
        return fallback;
    }
}
