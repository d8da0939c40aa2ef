using Dapper;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

/// <summary><c>/admin/events</c>: every event, drafts too, newest first, with registrations per ticket type.</summary>
public sealed class EventsPageModel(Db db) : PageModel
{
    public sealed class EventRow
    {
        public long Id { get; init; }
        public string Slug { get; init; } = "";
        public string Title { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public string TimeZone { get; init; } = "";
        public string Status { get; init; } = "";
        public string MeetingProvider { get; init; } = "Manual";
        /// <summary>Teams/Zoom: pending, created, failed… and the provider's error code and message when it failed.</summary>
        public string? MeetingState { get; init; }
        public string? MeetingError { get; init; }
    }

    public sealed class TicketRow
    {
        public long EventId { get; init; }
        public string NameJa { get; init; } = "";
        public string NameEn { get; init; } = "";
        public int? Capacity { get; init; }
        public int Taken { get; init; }
        public long Waitlisted { get; init; }
        public string Name(string language) => language == "en" && NameEn.Length > 0 ? NameEn : NameJa;
    }

    const string Events = """
        SELECT id, slug, title, starts_at, ends_at, time_zone, status, meeting_provider, meeting_state, meeting_error
        FROM events ORDER BY starts_at DESC, id DESC
        """;

    const string Tickets = $"""
        SELECT t.event_id, t.name_ja, t.name_en, t.capacity, {Seats.TakenOfT} AS taken,
               (SELECT COUNT(*) FROM registrations r
                WHERE r.ticket_type_id = t.id AND r.status = '{RegistrationStatus.Waitlisted}') AS waitlisted
        FROM ticket_types t ORDER BY t.event_id, t.position, t.id
        """;

    public IReadOnlyList<EventRow> List { get; private set; } = [];
    public ILookup<long, TicketRow> TicketsOf { get; private set; } = Array.Empty<TicketRow>().ToLookup(t => t.EventId);

    public async Task OnGetAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        List = (await connection.QueryAsync<EventRow>(new CommandDefinition(Events, cancellationToken: ct))).AsList();
        TicketsOf = (await connection.QueryAsync<TicketRow>(new CommandDefinition(Tickets, cancellationToken: ct)))
            .ToLookup(t => t.EventId);
    }
}
