using System.Text.Json;
using Dapper;
using EventPortal.Web.Admin;
using EventPortal.Web.ApiDocs;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Reminders;

/// <summary>
/// <c>GET|PUT /api/admin/events/{slug}/reminders</c> (the event's mail rules, <see cref="ReminderRule"/>; an audience is a
/// ticket kind or <c>t:{code}</c>, a status <c>confirmed</c> or <c>waitlisted</c>) and
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
        }).WithTags("Admin: mail").WithName("AdminGetReminders").WithSummary("An event's mail rules")
            .Produces<IReadOnlyList<ReminderRule>>().OfEvent();

        api.MapPut("/events/{slug}/reminders", async (string slug, HttpContext context, Db db, TimeProvider clock, CancellationToken ct) =>
        {
            var (root, refused) = await JsonBody.ReadAsync(context.Request, ct, JsonValueKind.Array);
            if (refused is not null) return refused;
            List<string> categories, tickets;
            await using (var c = await db.OpenAsync(ct))
            {
                categories = (await c.QueryAsync<string>(new CommandDefinition("""
                    SELECT k.code FROM event_categories k JOIN events e ON e.id = k.event_id WHERE e.slug = @slug
                    """, new { slug }, cancellationToken: ct))).AsList();
                tickets = (await c.QueryAsync<string>(new CommandDefinition("""
                    SELECT t.code FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE e.slug = @slug
                    """, new { slug }, cancellationToken: ct))).AsList();
            }
            var (rules, errors) = ReadRules(root, categories, tickets);
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
        }).WithTags("Admin: mail").WithName("AdminSetReminders")
            .WithSummary("Replace an event's mail rules; mail not yet sent is planned again")
            .ReadsJson<IReadOnlyList<ReminderRuleRequest>>().Produces<IReadOnlyList<ReminderRule>>().OfEvent();

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
        }).WithTags("Admin: mail").WithName("AdminSetRecording").WithSummary("Set the recording's URL and mail it to its audience")
            .ReadsJson<RecordingRequest>().Produces<RecordingResult>().OfEvent();
    }

    /// <summary>
    /// <c>[{id?, offsetMinutes, audience, anchor?, category?, attendance?, late?, subjectJa?, bodyJa?, subjectEn?, bodyEn?}]</c>:
    /// a missing field takes its default (the start, any attendance, the built-in text).
    /// </summary>
    static (List<ReminderRule> Rules, List<FieldError> Errors) ReadRules(JsonElement root, IReadOnlyCollection<string> categories,
        IReadOnlyCollection<string> tickets)
    {
        var rules = new List<ReminderRule>();
        var errors = new List<FieldError>();
        if (root.GetArrayLength() > MaxRules) errors.Add(new("rules", "error.tooMany", MaxRules));
        var i = 0;
        foreach (var item in root.EnumerateArray().Take(MaxRules))
        {
            var at = $"[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(at, "error.malformedJson"));
                continue;
            }
            string? Text(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            bool Wrong(string name, JsonValueKind kind) =>
                item.TryGetProperty(name, out var v) && v.ValueKind != kind && v.ValueKind != JsonValueKind.Null;
            var offset = item.TryGetProperty("offsetMinutes", out var o) && o.ValueKind == JsonValueKind.Number && o.TryGetInt32(out var n)
                ? n : (int?)null;
            if (offset is not { } m || Math.Abs(m) > MaxOffsetMinutes)
                errors.Add(new($"{at}.offsetMinutes", "error.offsetMinutes", MaxOffsetMinutes));
            foreach (var name in new[]
                     { "audience", "anchor", "status", "category", "attendance", "subjectJa", "bodyJa", "subjectEn", "bodyEn" })
                if (Wrong(name, JsonValueKind.String)) errors.Add(new($"{at}.{name}", "error.badChoice"));
            if (Wrong("id", JsonValueKind.Number)) errors.Add(new($"{at}.id", "error.badChoice"));
            var late = item.TryGetProperty("late", out var l) && l.ValueKind == JsonValueKind.True;
            if (item.TryGetProperty("late", out l) && l.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                errors.Add(new($"{at}.late", "error.badChoice"));
            var rule = new ReminderRule(offset ?? 0, Text("audience") ?? "")
            {
                Id = item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var k) ? k : null,
                Anchor = Text("anchor") ?? "start", Status = Text("status") ?? RegistrationStatus.Confirmed,
                Category = Text("category") is { Length: > 0 } c ? c : null,
                Attendance = Text("attendance") ?? "any", Late = late,
                SubjectJa = (Text("subjectJa") ?? "").Trim(), BodyJa = (Text("bodyJa") ?? "").Replace("\r\n", "\n").Trim(),
                SubjectEn = (Text("subjectEn") ?? "").Trim(), BodyEn = (Text("bodyEn") ?? "").Replace("\r\n", "\n").Trim(),
            };
            errors.AddRange(MailRuleText.Problems(rule, categories, tickets).Select(e => e with { Field = $"{at}.{e.Field}" }));
            rules.Add(rule);
        }
        return (rules, errors.DistinctBy(e => e.Field).ToList());
    }

    public static async Task<long?> EventIdAsync(System.Data.Common.DbConnection c, string slug, CancellationToken ct,
        System.Data.Common.DbTransaction? tx = null) =>
        slug.Length > 100 ? null : await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT id FROM events WHERE slug = @slug", new { slug }, tx, cancellationToken: ct));
}
