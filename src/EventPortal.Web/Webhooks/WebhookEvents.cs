using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Webhooks;

/// <summary>
/// The events a hook may subscribe to, and queuing their deliveries: one outbox row per hook and
/// event, written in the transaction of the change, keyed <c>webhook:{hook}:{type}:{registration}</c>.
/// Each type happens at most once to a registration, so the key makes every delivery exactly-once
/// however often a change is replayed (a report read twice, a second staff mark).
/// </summary>
public static class WebhookEvents
{
    public const string Created = "registration.created";
    public const string Confirmed = "registration.confirmed";
    public const string Cancelled = "registration.cancelled";
    public const string Attended = "registration.attended";
    /// <summary>The console's test button; not a subscription.</summary>
    public const string Ping = "ping";

    public static readonly IReadOnlyList<string> All = [Created, Confirmed, Cancelled, Attended];

    /// <summary>The outbox kinds: <c>webhook.registration.created</c> and so on (<see cref="WebhookHandler"/>).</summary>
    public const string KindPrefix = "webhook.";

    /// <summary>
    /// What a seat change is, in webhook terms (the change's one home calls this, <see cref="Owed.AfterAsync"/>). An
    /// erasure that ends an active registration is its cancellation too (sent without personal data: there is none left).
    /// </summary>
    public static IEnumerable<string> For(SeatHolder r, SeatChange change)
    {
        if (change == SeatChange.Registered) yield return Created;
        var nowConfirmed = r.Status == RegistrationStatus.Confirmed && r.AddressConfirmed;
        if (nowConfirmed && change is SeatChange.Registered or SeatChange.AddressConfirmed or SeatChange.Promoted) yield return Confirmed;
        if (r.Status == RegistrationStatus.Cancelled && change is not SeatChange.Switched)
            yield return Cancelled;
    }

    /// <summary>What a queued delivery carries: the event as it happened. Personal data is read when it goes out.</summary>
    public sealed record Queued(long Hook, string Type, DateTime At, string? Status = null, string? Ticket = null);

    sealed class Target
    {
        public long Hook { get; init; }
        public string EventTypes { get; init; } = "";
        public long EventId { get; init; }
        public string Status { get; init; } = "";
        public string Ticket { get; init; } = "";
        public bool Wants(string type) => EventTypes.Split(',').Contains(type);
    }

    // Hooks are few: the hooks that cover the registration's event, read once per change (and not at all while the
    // event is quiet, below).
    const string Targets = """
        SELECT w.id AS hook, w.event_types, r.event_id, r.status, t.code AS ticket
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
        JOIN webhooks w ON (w.event_id IS NULL OR w.event_id = r.event_id)
        WHERE r.id = @registrationId AND w.enabled = @yes
        ORDER BY w.id
        """;

    /// <summary>
    /// Per database and event: when a change of one of its registrations last found no hook to tell. For
    /// <see cref="QuietMs"/> after that, the event's changes skip the lookup (on SQLite it was a fifth of a
    /// registration's CPU, bench/README.md, and most portals have no hook). A hook saved on this instance ends every
    /// quiet at once (<see cref="HooksChanged"/>); one saved on another instance is seen within <see cref="QuietMs"/>.
    /// </summary>
    static readonly ConcurrentDictionary<(string Database, long EventId), long> Quiet = new();
    const long QuietMs = 2000;
    const int MaxQuiet = 10_000;

    /// <summary>A hook was added or enabled here: the next change of every event looks for hooks again.</summary>
    public static void HooksChanged() => Quiet.Clear();

    /// <summary>Queues each of <paramref name="types"/> for the registration to every hook that wants it, in the transaction.</summary>
    public static async Task EmitAsync(DbConnection c, DbTransaction tx, long eventId, long registrationId,
        IReadOnlyCollection<string> types, DateTime now, CancellationToken ct)
    {
        if (types.Count == 0) return;
        var key = (c.ConnectionString, eventId);
        if (Quiet.TryGetValue(key, out var since) && Environment.TickCount64 - since < QuietMs) return;
        var targets = (await c.QueryAsync<Target>(new CommandDefinition(Targets, new { registrationId, yes = true }, tx,
            cancellationToken: ct))).AsList();
        if (targets.Count == 0)
        {
            if (Quiet.Count >= MaxQuiet) Quiet.Clear();
            Quiet[key] = Environment.TickCount64;
        }
        foreach (var type in types)
            foreach (var t in targets.Where(t => t.Wants(type)))
                await QueueAsync(c, tx, t.Hook, $"webhook:{t.Hook}:{type}:{registrationId}", t.EventId, registrationId,
                    new Queued(t.Hook, type, now, t.Status, t.Ticket), now, ct);
    }

    /// <summary>The console's test delivery: a ping to one hook, now.</summary>
    public static Task PingAsync(DbConnection c, DbTransaction tx, long hook, DateTime now, CancellationToken ct) =>
        QueueAsync(c, tx, hook, $"webhook:{hook}:{Ping}:{now.Ticks}", null, null, new Queued(hook, Ping, now), now, ct);

    static async Task QueueAsync(DbConnection c, DbTransaction tx, long hook, string key, long? eventId, long? registrationId,
        Queued queued, DateTime now, CancellationToken ct)
    {
        var payload = JsonSerializer.Serialize(queued, JsonSerializerOptions.Web);
        if (!await OutboxRows.EnqueueAsync(c, tx, KindPrefix + queued.Type, key, eventId, registrationId, now, ct, payload)) return;
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO webhook_deliveries (outbox_id, webhook_id) SELECT id, @hook FROM outbox WHERE dedupe_key = @key",
            new { hook, key }, tx, cancellationToken: ct));
    }

    const string AttendedOfEvent = "SELECT id FROM registrations WHERE event_id = @eventId AND attended = @yes ORDER BY id";

    /// <summary>
    /// After attendance marks: <see cref="Attended"/> for every attended registration of the event (or the one given)
    /// that has not had it yet. Cheap to repeat: the dedupe key turns a repeat into nothing.
    /// </summary>
    public static async Task AttendedAsync(DbConnection c, DbTransaction tx, long eventId, long? registrationId, DateTime now,
        CancellationToken ct)
    {
        if (!await AnyHookAsync(c, tx, ct)) return;
        var ids = registrationId is { } one ? [one]
            : (await c.QueryAsync<long>(new CommandDefinition(AttendedOfEvent, new { eventId, yes = true }, tx, cancellationToken: ct)))
                .AsList();
        foreach (var id in ids) await EmitAsync(c, tx, eventId, id, [Attended], now, ct);
    }

    static async Task<bool> AnyHookAsync(DbConnection c, DbTransaction tx, CancellationToken ct) =>
        await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM webhooks WHERE enabled = @yes",
            new { yes = true }, tx, cancellationToken: ct)) > 0;
}
