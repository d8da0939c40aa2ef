using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Outbox;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/outbox</c>: what the outbox holds per event (queued, in flight, awaiting retry,
/// sent, failed), the rows that failed or keep failing with their error text, and a retry
/// button that makes a failed row due again; and the DKIM record to publish when the app signs.
/// </summary>
public sealed class OutboxPageModel(Db db, TimeProvider clock, Mail.DkimSigning dkim) : PageModel
{
    /// <summary>The DKIM key record to publish, when the app signs (EventPortal:Mail:Dkim).</summary>
    public Mail.DkimSigning Dkim => dkim;

    public sealed class Count
    {
        public long? EventId { get; init; }
        public string Title { get; init; } = "";
        public string Status { get; init; } = "";
        public int N { get; init; }
    }

    public sealed class Problem
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string Title { get; init; } = "";
        public long? RegistrationId { get; init; }
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public string LastError { get; init; } = "";
        public DateTime DueAt { get; init; }
    }

    public IReadOnlyList<Count> Counts { get; private set; } = [];
    public IReadOnlyList<Problem> Problems { get; private set; } = [];

    // Failed rows, and rows that keep failing.
    const string ProblemRows = $"""
        SELECT o.id, o.kind, COALESCE(e.title, '') AS title, o.registration_id, o.status, o.attempts,
               COALESCE(o.last_error, '') AS last_error, o.due_at
        FROM outbox o LEFT JOIN events e ON e.id = o.event_id
        WHERE o.status = '{OutboxStatus.Failed}' OR (o.status = '{OutboxStatus.Retry}' AND o.attempts > 1)
        ORDER BY o.id DESC LIMIT 200
        """;

    public async Task OnGetAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        Counts = (await connection.QueryAsync<Count>(new CommandDefinition("""
            SELECT o.event_id, COALESCE(e.title, '') AS title, o.status, COUNT(*) AS n
            FROM outbox o LEFT JOIN events e ON e.id = o.event_id
            GROUP BY o.event_id, e.title, o.status
            ORDER BY e.title, o.status
            """, cancellationToken: ct))).AsList();
        Problems = (await connection.QueryAsync<Problem>(new CommandDefinition(ProblemRows, cancellationToken: ct))).AsList();
    }

    /// <summary>Makes a failed row due now with a fresh count of attempts.</summary>
    public async Task<IActionResult> OnPostRetryAsync(long id, CancellationToken ct)
    {
        if (!ModelState.IsValid) return BadRequest(); // an id that is not a number
        var now = clock.GetUtcNow().UtcDateTime;
        var found = await db.WriteAsync(async (c, tx) =>
        {
            if (await OutboxRows.RetryFailedAsync(c, tx, id, now, ct))
                await Audit.WriteAsync(c, tx, HttpContext, "outbox.retry",
                    id.ToString(System.Globalization.CultureInfo.InvariantCulture), "", now, ct);
            // Queued again already (a second click) is done; no such row is an error.
            return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM outbox WHERE id = @id",
                new { id }, tx, cancellationToken: ct)) == 1;
        }, ct);
        return found ? Redirect("/admin/outbox") : NotFound();
    }
}
