using System.Text.Json;
using Dapper;
using EventPortal.Web.ApiDocs;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Admin;

/// <summary>
/// Organiser JSON API for events under <c>/api/admin</c> (bearer token, set on the group in
/// Program.cs): list and read every event (drafts too, with the meeting link), create a draft,
/// change it (a new time or place raises SEQUENCE and tells registrants, as in the console),
/// publish, cancel. Bodies are read by hand (<see cref="EventsAdminJson"/>) so that every bad
/// field gets a 422 naming it; every change is audited under the token's name.
/// </summary>
public static class EventsAdminApi
{

    public static void MapEventsAdminApi(this RouteGroupBuilder api)
    {
        var events = api.MapGroup("/events").WithTags("Admin: events");
        events.MapGet("/", ListAsync).WithName("AdminListEvents").WithSummary("Every event, drafts and cancelled ones too")
            .Produces<IReadOnlyList<AdminEventListItem>>();
        events.MapGet("/{slug}", async (string slug, Db db, Links links, HttpContext context, CancellationToken ct) =>
            await EventSpec.LoadAsync(db, slug, ct) is { } e
                ? Results.Ok(ToJson(e, links.Event(context, e.Slug)))
                : Problems.Status(404, "error.eventNotFound"))
            .WithName("AdminGetEvent").WithSummary("An event with everything, the meeting link included").Produces<AdminEvent>().OfEvent();
        events.MapPost("/", CreateAsync).WithName("AdminCreateEvent").WithSummary("Create a draft event")
            .ReadsJson<AdminEventRequest>().Produces<AdminEvent>(StatusCodes.Status201Created).Refusals();
        events.MapPatch("/{slug}", UpdateAsync).WithName("AdminUpdateEvent")
            .WithSummary("Change an event; a new time or place raises its sequence and tells registrants")
            .ReadsJson<AdminEventRequest>().Produces<AdminEvent>().OfEvent().Refusals();
        events.MapPost("/{slug}/publish",
            (string slug, HttpContext context, Db db, Links links, TimeProvider clock, CancellationToken ct) =>
                ActAsync(slug, context, db, links, clock,
                    (now, audit) => EventChanges.SetPublishedAsync(db, slug, publish: true, now, audit, ct), ct))
            .WithName("AdminPublishEvent").WithSummary("Publish a draft").Produces<AdminEvent>().OfEvent().Refusals();
        events.MapPost("/{slug}/cancel", (string slug, HttpContext context, Db db, Links links, TimeProvider clock, CancellationToken ct) =>
            ActAsync(slug, context, db, links, clock, (now, audit) => EventChanges.CancelAsync(db, slug, now, audit, ct), ct))
            .WithName("AdminCancelEvent").WithSummary("Cancel an event and tell its registrants")
            .Produces<AdminEvent>().OfEvent().Refusals();
    }

    static async Task<IResult> ListAsync(Db db, Links links, HttpContext context, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var rows = await connection.QueryAsync<ListRow>(new CommandDefinition(
            "SELECT slug, title, starts_at, ends_at, time_zone, status, sequence FROM events ORDER BY starts_at DESC, id DESC",
            cancellationToken: ct));
        var tickets = (await connection.QueryAsync<ListTicket>(new CommandDefinition($"""
            SELECT e.slug, t.code, t.capacity, {Seats.TakenOfT} AS taken,
                   (SELECT COUNT(*) FROM registrations r
                    WHERE r.ticket_type_id = t.id AND r.status = '{RegistrationStatus.Waitlisted}') AS waitlisted
            FROM ticket_types t JOIN events e ON e.id = t.event_id ORDER BY t.position, t.id
            """, cancellationToken: ct))).ToLookup(t => t.Slug);
        return Results.Ok(rows.Select(e => new
        {
            e.Slug, e.Title, startsAt = Utc(e.StartsAt), endsAt = Utc(e.EndsAt), e.TimeZone, e.Status, e.Sequence,
            url = links.Event(context, e.Slug),
            ticketTypes = tickets[e.Slug].Select(t => new { t.Code, t.Capacity, t.Taken, t.Waitlisted }),
        }));
    }

    static async Task<IResult> CreateAsync(HttpContext context, Db db, Links links, TimeProvider clock,
        Microsoft.Extensions.Options.IOptions<Meetings.MeetingOptions> meetings, CancellationToken ct)
    {
        var (root, refused) = await JsonBody.ReadAsync(context.Request, ct);
        if (refused is not null) return refused;
        var (spec, errors) = EventsAdminJson.Apply(
            root, new EventSpec { MeetingProvider = meetings.Value.Provider.ToString() }, isNew: true);
        errors.AddRange(EventSpecRules.Check(spec, stored: null).Where(e => errors.All(x => x.Field != e.Field)));
        if (errors.Count > 0) return Problems.Validation(errors.DistinctBy(e => e.Field));
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await EventChanges.CreateAsync(db, spec, now, Auditor(context, now, ct), ct);
        if (!result.Ok) return Refused(result);
        var created = await EventSpec.LoadAsync(db, spec.Slug, ct);
        var location = $"/api/admin/events/{Uri.EscapeDataString(spec.Slug)}";
        return Results.Created(location, ToJson(created!, links.Event(context, spec.Slug)));
    }

    static async Task<IResult> UpdateAsync(string slug, HttpContext context, Db db, Links links, TimeProvider clock, CancellationToken ct)
    {
        var (root, refused) = await JsonBody.ReadAsync(context.Request, ct);
        if (refused is not null) return refused;
        if (await EventSpec.LoadAsync(db, slug, ct) is not { } stored) return Problems.Status(404, "error.eventNotFound");
        if (stored.Status == EventStatus.Cancelled) return Problems.Status(409, "adminEvent.error.cancelled");
        var (spec, errors) = EventsAdminJson.Apply(root, stored, isNew: false);
        errors.AddRange(EventSpecRules.Check(spec, stored).Where(e => errors.All(x => x.Field != e.Field)));
        if (errors.Count > 0) return Problems.Validation(errors.DistinctBy(e => e.Field));
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await EventChanges.UpdateAsync(db, spec, now, Auditor(context, now, ct), ct);
        if (!result.Ok) return Refused(result);
        return Results.Ok(ToJson((await EventSpec.LoadAsync(db, slug, ct))!, links.Event(context, slug)));
    }

    static async Task<IResult> ActAsync(string slug, HttpContext context, Db db, Links links, TimeProvider clock,
        Func<DateTime, AuditWriter, Task<ChangeResult>> act, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await act(now, Auditor(context, now, ct));
        if (!result.Ok) return Refused(result);
        return Results.Ok(ToJson((await EventSpec.LoadAsync(db, slug, ct))!, links.Event(context, slug)));
    }

    /// <summary>The answers of <see cref="Refused"/> beyond 404, for the OpenAPI document.</summary>
    static RouteHandlerBuilder Refusals(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesValidationProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>404 unknown event, 409 for a taken slug or a state that forbids the change, else 422 naming the fields.</summary>
    static IResult Refused(ChangeResult result)
    {
        var first = result.Errors[0];
        return first.Key switch
        {
            "error.eventNotFound" => Problems.Status(404, first.Key),
            "adminEvent.error.slugTaken" or "adminEvent.error.cancelled" or "adminEvent.error.status"
                or "adminEvent.error.hasRegistrations" =>
                Results.Problem(statusCode: 409, title: Problems.Message(first),
                    extensions: new Dictionary<string, object?> { ["errors"] = Problems.Localize(result.Errors) }),
            _ => Problems.Validation(result.Errors),
        };
    }

    static AuditWriter Auditor(HttpContext context, DateTime now, CancellationToken ct) =>
        (connection, tx, action, target, detail) => Audit.WriteAsync(connection, tx, context, action, target, detail, now, ct);

    /// <summary>The event as organisers see it: everything, including the meeting link.</summary>
    public static object ToJson(EventSpec e, string url) => new
    {
        e.Slug, e.Title, e.Summary, e.Description, startsAt = Utc(e.StartsAt), endsAt = Utc(e.EndsAt), e.TimeZone,
        e.DoorsOpenMinutes, e.Language, e.Status, e.Sequence, e.Venue, e.OrganiserName, e.OrganiserEmail, e.Contact,
        e.ConsentPurpose, e.MeetingProvider, e.MeetingUrl, url, programme = e.Programme, speakers = e.Speakers,
        ticketTypes = e.TicketTypes.Select(t => new
        {
            t.Code, name = t.NameJa, t.NameEn, t.Capacity, t.Taken, t.Waitlisted,
            seatsLeft = t.Capacity is { } c ? Math.Max(0, c - t.Taken) : (int?)null,
            t.Waitlist, confirmAddress = t.ConfirmsAddress, t.Kind, salesStart = Utc(t.SalesStart), salesEnd = Utc(t.SalesEnd),
        }),
        categories = e.Categories.Select(c => new { c.Code, name = c.NameJa, c.NameEn }),
        questions = e.Questions.Select(q => new
        {
            q.Code, q.Kind, label = q.LabelJa, q.LabelEn, help = q.HelpJa, q.HelpEn, q.Required,
            options = q.Options.Select(o => new { label = o.Ja, labelEn = o.En }), min = q.MinValue, max = q.MaxValue,
            tickets = QuestionRecord.Codes(q.Tickets), requiredTickets = QuestionRecord.Codes(q.RequiredTickets),
        }),
    };

    static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
    static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;

    sealed class ListRow
    {
        public string Slug { get; init; } = "";
        public string Title { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public string TimeZone { get; init; } = "";
        public string Status { get; init; } = "";
        public int Sequence { get; init; }
    }

    sealed class ListTicket
    {
        public string Slug { get; init; } = "";
        public string Code { get; init; } = "";
        public int? Capacity { get; init; }
        public int Taken { get; init; }
        public long Waitlisted { get; init; }
    }
}
