using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Webhooks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/webhooks</c>, owners only: the install's webhooks (add — the secret shown once —, disable, enable, delete,
/// a test ping) and their recent deliveries with state, attempts and the receiver's last answer.
/// </summary>
[Authorize(Policy = AdminAuth.Owner)]
public sealed class WebhooksPageModel(Db db, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider clock) : PageModel
{
    public sealed class Hook
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string? EventTitle { get; init; }
        public string EventTypes { get; init; } = "";
        public bool IncludePersonal { get; init; }
        public bool Enabled { get; init; }
    }

    public sealed class Delivery
    {
        public long Id { get; init; }
        public string Url { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public int? HttpStatus { get; init; }
        public DateTime? AttemptedAt { get; init; }
        public string LastError { get; init; } = "";
    }

    public sealed record EventChoice(string Slug, string Title);

    public IReadOnlyList<Hook> Hooks { get; private set; } = [];
    public IReadOnlyList<Delivery> Deliveries { get; private set; } = [];
    public IReadOnlyList<EventChoice> Events { get; private set; } = [];
    /// <summary>The secret of a hook just made: the only time anyone sees it.</summary>
    public string? NewSecret { get; private set; }
    public string? ErrorKey { get; private set; }
    public bool AllowPrivateTargets => options.Value.AllowPrivateTargets;

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAddAsync(CancellationToken ct)
    {
        var url = Request.Form["url"].ToString().Trim();
        var types = Request.Form["types"].Select(t => t ?? "").ToList();
        var slug = Request.Form["event"].ToString();
        var personal = Request.Form["personal"].ToString();
        await using (var connection = await db.OpenAsync(ct))
        {
            var eventId = slug.Length == 0 ? null : await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT id FROM events WHERE slug = @slug", new { slug }, cancellationToken: ct));
            ErrorKey = types.Count == 0 ? "webhooks.error.types"
                : types.Any(t => !WebhookEvents.All.Contains(t)) || types.Distinct().Count() != types.Count
                    || personal is not ("" or "true") || (slug.Length > 0 && eventId is null) ? "error.badChoice"
                : await WebhookTargets.ProblemAsync(url, options.Value.AllowPrivateTargets, ct);
            if (ErrorKey is null) await AddAsync(url, eventId, types, personal == "true", ct);
        }
        if (ErrorKey is not null) Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        await LoadAsync(ct);
        return Page();
    }

    async Task AddAsync(string url, long? eventId, List<string> types, bool personal, CancellationToken ct)
    {
        var (plain, sealedSecret) = secrets.New();
        var now = clock.GetUtcNow().UtcDateTime;
        var eventTypes = string.Join(',', WebhookEvents.All.Where(types.Contains));
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO webhooks (url, event_id, event_types, include_personal, secret, enabled, created_at)
                VALUES (@url, @eventId, @eventTypes, @personal, @sealedSecret, @yes, @now)
                """, new { url, eventId, eventTypes, personal, sealedSecret, yes = true, now }, tx, cancellationToken: ct));
            await Audit.WriteAsync(c, tx, HttpContext, "webhook.create", url, eventTypes + (personal ? " +personal" : ""), now, ct);
            return 0;
        }, ct);
        WebhookEvents.HooksChanged();   // after the commit: the next registration looks for hooks again
        NewSecret = plain;
    }

    public Task<IActionResult> OnPostDisableAsync(long id, CancellationToken ct) =>
        ChangeAsync(id, "webhook.disable", "UPDATE webhooks SET enabled = @no WHERE id = @id", ct);

    public Task<IActionResult> OnPostEnableAsync(long id, CancellationToken ct) =>
        ChangeAsync(id, "webhook.enable", "UPDATE webhooks SET enabled = @yes WHERE id = @id", ct);

    /// <summary>Its deliveries' notes go with it; rows still queued for it are skipped when their turn comes.</summary>
    public Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken ct) =>
        ChangeAsync(id, "webhook.delete", "DELETE FROM webhooks WHERE id = @id", ct);

    /// <summary>A test delivery of type <c>ping</c>, due now; like every delivery, skipped while the hook is disabled.</summary>
    public Task<IActionResult> OnPostPingAsync(long id, CancellationToken ct) =>
        ChangeAsync(id, "webhook.ping", "SELECT COUNT(*) FROM webhooks WHERE id = @id", ct, ping: true);

    async Task<IActionResult> ChangeAsync(long id, string action, string sql, CancellationToken ct, bool ping = false)
    {
        if (!ModelState.IsValid) return BadRequest(); // an id that is not a number
        var now = clock.GetUtcNow().UtcDateTime;
        var found = await db.WriteAsync(async (c, tx) =>
        {
            var args = new { id, yes = true, no = false };
            var changed = ping ? await c.ExecuteScalarAsync<long>(new CommandDefinition(sql, args, tx, cancellationToken: ct))
                : await c.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct));
            if (changed == 0) return false;
            if (ping) await WebhookEvents.PingAsync(c, tx, id, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, action, id.ToString(CultureInfo.InvariantCulture), "", now, ct);
            return true;
        }, ct);
        if (found) WebhookEvents.HooksChanged();
        return found ? Redirect("/admin/webhooks") : NotFound();
    }

    const string RecentDeliveries = """
        SELECT o.id, w.url, o.kind, o.status, o.attempts, d.http_status, d.attempted_at, COALESCE(o.last_error, '') AS last_error
        FROM webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id JOIN webhooks w ON w.id = d.webhook_id
        ORDER BY o.id DESC LIMIT 100
        """;

    async Task LoadAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        Hooks = (await connection.QueryAsync<Hook>(new CommandDefinition("""
            SELECT w.id, w.url, e.title AS event_title, w.event_types, w.include_personal, w.enabled
            FROM webhooks w LEFT JOIN events e ON e.id = w.event_id ORDER BY w.id
            """, cancellationToken: ct))).AsList();
        Deliveries = (await connection.QueryAsync<Delivery>(new CommandDefinition(RecentDeliveries, cancellationToken: ct))).AsList();
        Events = (await connection.QueryAsync<EventChoice>(new CommandDefinition(
            "SELECT slug, title FROM events ORDER BY starts_at DESC LIMIT 200", cancellationToken: ct))).AsList();
    }
}
