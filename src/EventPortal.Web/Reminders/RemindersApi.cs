using System.Text.Json;
using Dapper;
using EventPortal.Web.Admin;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Reminders;

/// <summary>
/// <c>GET|PUT /api/admin/events/{slug}/reminders</c> (<c>[{offsetMinutes, audience}]</c>) and
/// <c>PUT /api/admin/events/{slug}/recording</c> (<c>{url, availableUntil?, audience?}</c>).
/// </summary>
public static class RemindersApi
{
    const int MaxRules = 10, MaxOffsetMinutes = 60 * 24 * 60;

    public static void MapRemindersApi(this RouteGroupBuilder api)
    {
        api.MapGet("/events/{slug}/reminders", async (string slug, Db db, CancellationToken ct) =>
        {
            await using var c = await db.OpenAsync(ct);
            var id = await EventIdAsync(c, slug, ct);
            return id is null
                ? Problems.Status(404, "error.eventNotFound")
                : Results.Ok(await ReminderRules.LoadAsync(c, null, id.Value, ct));
        });

        api.MapPut("/events/{slug}/reminders", async (string slug, HttpContext context, Db db, TimeProvider clock, CancellationToken ct) =>
        {
            var (root, refused) = await JsonBody.ReadAsync(context.Request, ct, JsonValueKind.Array);
            if (refused is not null) return refused;
            var (rules, errors) = ReadRules(root);
            if (errors.Count > 0) return Problems.Validation(errors);
            var now = clock.GetUtcNow().UtcDateTime;
            var saved = await db.WriteAsync(async (c, tx) =>
            {
                if (await EventIdAsync(c, slug, ct, tx) is not { } id) return null;
                await ReminderRules.ReplaceAsync(c, tx, id, rules, now, ct);
                await Audit.WriteAsync(c, tx, context, "event.reminders", slug,
                    string.Join(", ", rules.Select(r => $"{r.OffsetMinutes}:{r.Audience}")), now, ct);
                return await ReminderRules.LoadAsync(c, tx, id, ct);
            }, ct);
            return saved is null ? Problems.Status(404, "error.eventNotFound") : Results.Ok(saved);
        });

        api.MapPut("/events/{slug}/recording", async (string slug, HttpContext context, Db db, TimeProvider clock, CancellationToken ct) =>
        {
            var (root, refused) = await JsonBody.ReadAsync(context.Request, ct);
            if (refused is not null) return refused;
            var (recording, errors) = Recording.Read(root);
            if (recording is null) return Problems.Validation(errors);
            var now = clock.GetUtcNow().UtcDateTime;
            var recipients = await db.WriteAsync((c, tx) => Recording.SetAsync(c, tx, context, slug, recording, now, ct), ct);
            if (recipients is null) return Problems.Status(404, "error.eventNotFound");
            return Results.Ok(new { recipients });
        });
    }

    static (List<ReminderRule> Rules, List<FieldError> Errors) ReadRules(JsonElement root)
    {
        var rules = new List<ReminderRule>();
        var errors = new List<FieldError>();
        if (root.GetArrayLength() > MaxRules) errors.Add(new("rules", "error.tooMany", MaxRules));
        var i = 0;
        foreach (var item in root.EnumerateArray().Take(MaxRules))
        {
            var offset = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("offsetMinutes", out var o)
                && o.ValueKind == JsonValueKind.Number && o.TryGetInt32(out var v) ? v : (int?)null;
            var audience = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("audience", out var a)
                && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (offset is not { } m || Math.Abs(m) > MaxOffsetMinutes)
                errors.Add(new($"[{i}].offsetMinutes", "error.offsetMinutes", MaxOffsetMinutes));
            if (audience is null || !ReminderRule.Audiences.Contains(audience)) errors.Add(new($"[{i}].audience", "error.audience"));
            else if (offset is { } ok && Math.Abs(ok) <= MaxOffsetMinutes) rules.Add(new ReminderRule(ok, audience));
            i++;
        }
        return (rules, errors);
    }

    public static async Task<long?> EventIdAsync(System.Data.Common.DbConnection c, string slug, CancellationToken ct,
        System.Data.Common.DbTransaction? tx = null) =>
        slug.Length > 100 ? null : await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT id FROM events WHERE slug = @slug", new { slug }, tx, cancellationToken: ct));
}
