using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using EventPortal.Web.ApiDocs;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Registrations;

/// <summary>
/// <c>POST /api/events/{slug}/registrations</c>. The body is read by hand rather than bound to
/// a type, so that every wrong type, missing field and malformed document gets a 4xx that
/// names the field, in the caller's language, instead of a binder's exception.
/// </summary>
public static class RegistrationsApi
{
    static readonly string[] StringFields =
    [
        "familyName", "givenName", "reading", "email", "emailConfirmation", "organization", "category", "ticketType",
        "accessibility", "questions",
    ];

    public static void MapRegistrationsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/events/{slug}/registrations", RegisterAsync).DisableAntiforgery().RequireRateLimiting(RateLimits.Register)
            .WithTags("Registrations").WithName("Register").WithSummary("Register for a published event")
            .WithDescription("201 registered (confirmed or waitlisted); 202 the seat is held until the address is confirmed by "
                + "mail; 200 the address was already registered (its confirmation is mailed again); 409 sold out or not on sale; "
                + "429 too many held seats from one network.")
            .ReadsJson<RegistrationRequest>().OfEvent()
            .Produces<RegistrationCreated>(StatusCodes.Status201Created)
            .Produces<RegistrationPending>(StatusCodes.Status202Accepted)
            .Produces<RegistrationExisting>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    static async Task<IResult> RegisterAsync(string slug, HttpContext context, Db db, IMemoryCache cache, Registrar registrar, Links links,
        CancellationToken ct)
    {
        var (root, refused) = await JsonBody.ReadAsync(context.Request, ct);
        if (refused is not null) return refused;
        var (input, typeErrors) = ReadInput(root);
        var details = await EventQueries.FindForRegistrationAsync(db, cache, slug, ct);
        if (details is null) return Problems.Status(404, "error.eventNotFound");

        var (valid, errors) = RegistrationValidator.Validate(input, details, fromForm: false);
        errors.InsertRange(0, typeErrors);
        if (valid is null || errors.Count > 0) return Problems.Validation(errors.DistinctBy(e => e.Field));

        var network = RateLimits.ClientKey(context.Connection.RemoteIpAddress);
        var result = await registrar.RegisterAsync(details, valid, Text.Current, network, ct, RegistrationChannel.Api);
        return result.Outcome switch
        {
            // Nothing personal until the address is proven: the link that confirms it (and opens the personal page) is mailed.
            RegisterOutcome.CheckMail => Results.Accepted(value: new
            {
                status = result.Status, manageUrl = (string?)null, inviteUrl = (string?)null, holdUntil = result.HoldUntil,
                message = Text.Get("checkMail.api", Text.Current),
            }),
            RegisterOutcome.TooManyHolds => Problems.Status(StatusCodes.Status429TooManyRequests, "error.tooManyHolds"),
            RegisterOutcome.Confirmed or RegisterOutcome.Waitlisted => Results.Created(links.Manage(context, result.ManageToken!), new
            {
                status = result.Status,
                manageUrl = links.Manage(context, result.ManageToken!),
                inviteUrl = links.Invite(context, result.ManageToken!),
            }),
            // The personal link is only ever sent to the address itself: the confirmation is mailed again.
            RegisterOutcome.AlreadyRegistered => Results.Ok(new
            {
                // Nothing about the existing registration (not even its status): the links go to the address's owner by mail.
                status = (string?)null, alreadyRegistered = true, manageUrl = (string?)null, inviteUrl = (string?)null,
                message = Text.Get("register.already", Text.Current),
            }),
            RegisterOutcome.SoldOut => Problems.Status(StatusCodes.Status409Conflict, "error.soldOut"),
            _ => Problems.Status(StatusCodes.Status409Conflict, "error.notOnSale"),
        };
    }

    /// <summary>The string, or null when its escapes spell invalid UTF-16 (a lone surrogate).</summary>
    static string? StringOf(JsonElement value)
    {
        try { return value.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>A registration's JSON fields (absent ones null), and the type errors; shared with the admin API's corrections.</summary>
    public static (RegistrationInput Input, List<FieldError> Errors) ReadInput(JsonElement root)
    {
        var errors = new List<FieldError>();
        var strings = new Dictionary<string, string?>();
        foreach (var field in StringFields)
        {
            if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            if (value.ValueKind != JsonValueKind.String) errors.Add(new(field, "error.mustBeString"));
            else if (StringOf(value) is { } text) strings[field] = text;
            else errors.Add(new(field, "error.badCharacters"));
        }

        var consent = false;
        if (root.TryGetProperty("consent", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            if (c.ValueKind is JsonValueKind.True or JsonValueKind.False) consent = c.GetBoolean();
            else errors.Add(new("consent", "error.mustBeBoolean"));
        }

        var answers = ReadAnswers(root, errors);

        return (new RegistrationInput
        {
            FamilyName = strings.GetValueOrDefault("familyName"),
            GivenName = strings.GetValueOrDefault("givenName"),
            Reading = strings.GetValueOrDefault("reading"),
            Email = strings.GetValueOrDefault("email"),
            EmailConfirmation = strings.GetValueOrDefault("emailConfirmation"),
            Organization = strings.GetValueOrDefault("organization"),
            Category = strings.GetValueOrDefault("category"),
            TicketType = strings.GetValueOrDefault("ticketType"),
            Accessibility = strings.GetValueOrDefault("accessibility"),
            Questions = strings.GetValueOrDefault("questions"),
            Consent = consent,
            Answers = answers,
        }, errors);
    }

    /// <summary>
    /// <c>answers</c>: an object by question code whose values are a string, a whole number, true or false
    /// (a checkbox), null, or an array of strings (a multiple choice); each becomes the list of strings a form would send.
    /// </summary>
    public static Dictionary<string, IReadOnlyList<string>>? ReadAnswers(JsonElement root, List<FieldError> errors)
    {
        if (!root.TryGetProperty("answers", out var a) || a.ValueKind == JsonValueKind.Null) return null;
        if (a.ValueKind != JsonValueKind.Object) { errors.Add(new("answers", "error.answersShape")); return null; }
        var answers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        try
        {
            foreach (var p in a.EnumerateObject().DistinctBy(p => p.Name))
            {
                IReadOnlyList<string>? values = p.Value.ValueKind switch
                {
                    JsonValueKind.String => [p.Value.GetString() ?? ""],
                    JsonValueKind.Number => [p.Value.GetRawText()],
                    JsonValueKind.True => ["yes"],
                    JsonValueKind.False or JsonValueKind.Null => [],
                    JsonValueKind.Array when p.Value.GetArrayLength() <= RegistrationAnswers.ValuesMax
                        && p.Value.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) =>
                        p.Value.EnumerateArray().Select(x => x.GetString() ?? "").ToList(),
                    _ => null,
                };
                if (values is null) { errors.Add(new("answers", "error.answersShape")); return null; }
                answers[p.Name] = values;
            }
        }
        catch (InvalidOperationException)
        {
            errors.Add(new("answers", "error.badCharacters")); // a lone surrogate in a name or value
            return null;
        }
        return answers;
    }
}
