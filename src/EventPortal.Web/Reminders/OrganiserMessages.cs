using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Admin;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Reminders;

/// <summary>Which registrations a message goes to: empty means any.</summary>
public sealed record Audience(string? Ticket, string? Status, string? Category)
{
    public static readonly string[] Statuses = RegistrationStatus.All;

    /// <summary>A fixed WHERE fragment with parameters; values never enter the SQL text.</summary>
    public string Where =>
        (Ticket is null ? "" : " AND t.code = @Ticket") +
        (Status is null ? $" AND r.status <> '{RegistrationStatus.Cancelled}'" : " AND r.status = @Status") +
        (Category is null ? "" : " AND r.category_code = @Category");
}

/// <summary>
/// "Message to registrants": the organiser writes a subject and a body for a filtered audience
/// of an event, sees the recipient count, then sends now or at a chosen time; each recipient is an
/// outbox row (<c>message:{message}:{registration}</c>), so it is sent once, retried, and shown in
/// progress. The audience is who matches when it is sent off; a registration cancelled by the time
/// its row is due is skipped (unless the message was for cancelled registrations).
/// </summary>
public static class OrganiserMessages
{
    public const int SubjectMax = 150, BodyMax = 10_000;

    /// <summary>The registrations a message reaches: of the event, with an address that is not erased, in the audience.</summary>
    static string From(Audience audience) => $"""
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
        WHERE r.event_id = @eventId AND {Erasure.Reachable}{audience.Where}
        """;

    public static async Task<int> CountAsync(DbConnection c, long eventId, Audience audience, CancellationToken ct) =>
        await c.ExecuteScalarAsync<int>(new CommandDefinition($"SELECT COUNT(*) {From(audience)}",
            new { eventId, audience.Ticket, audience.Status, audience.Category }, cancellationToken: ct));

    /// <summary>Stores the message and queues it for every registration in the audience; returns the recipient count.</summary>
    public static async Task<(long Id, int Recipients)> SendAsync(DbConnection c, DbTransaction tx, HttpContext context, long eventId,
        string slug, string subject, string body, Audience audience, DateTime now, CancellationToken ct, DateTime? sendAt = null)
    {
        var actor = context.User.Identity?.Name ?? "unknown";
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO organiser_messages (event_id, subject, body, audience, created_by, created_at)
            VALUES (@eventId, @subject, @body, @audienceJson, @actor, @now) RETURNING id
            """, new { eventId, subject, body, audienceJson = JsonSerializer.Serialize(audience), actor, now }, tx, cancellationToken: ct));
        var recipients = await OutboxRows.EnqueueForRegistrationsAsync(c, tx, OutboxRows.Kinds.OrganiserMessage, $"message:{id}:",
            $"{{\"messageId\":{id}}}", From(audience), new { eventId, audience.Ticket, audience.Status, audience.Category }, now, ct,
            sendAt);
        await Audit.WriteAsync(c, tx, context, "event.message", slug,
            $"message {id} to {recipients}{(sendAt is { } at ? $" at {at:yyyy-MM-dd'T'HH:mm'Z'}" : "")}", now, ct);
        return (id, recipients);
    }

    public sealed class Message
    {
        public string Subject { get; init; } = "";
        public string Body { get; init; } = "";
        public string Audience { get; init; } = "{}";

        /// <summary>Whether the message is still for a registration in <paramref name="status"/> (cancelled only if it was
        /// written for those).</summary>
        public bool StillFor(string status) => status != RegistrationStatus.Cancelled
            || JsonSerializer.Deserialize<Audience>(Audience)?.Status == RegistrationStatus.Cancelled;
    }

    public static async Task<Message?> FindAsync(DbConnection c, long id, CancellationToken ct) =>
        await c.QuerySingleOrDefaultAsync<Message>(new CommandDefinition(
            "SELECT subject, body, audience FROM organiser_messages WHERE id = @id", new { id }, cancellationToken: ct));
}
