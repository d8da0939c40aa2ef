using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Admin;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Reminders;

/// <summary>
/// Setting an event's recording. Recording-ticket holders get a mail with their personal
/// <c>/w/{token}</c> link, and — by the organiser's choice — live registrants who did not
/// attend, or all of them. Each registration is mailed once (<c>recording:{registration}</c>),
/// however often the URL is corrected afterwards.
/// </summary>
public sealed record Recording(string Url, DateTime? AvailableUntil, string Audience)
{
    public static readonly string[] Audiences = ["recording", "recording_and_absent", "all"];

    public static (Recording? Value, List<FieldError> Errors) Read(JsonElement root)
    {
        var errors = new List<FieldError>();
        var url = root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        if (url is null || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme != "https")
            errors.Add(new("url", "error.httpsUrl"));
        DateTime? until = null;
        if (root.TryGetProperty("availableUntil", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            if (a.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(a.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                && a.GetString()!.Length > 10)
                until = at.UtcDateTime;
            else errors.Add(new("availableUntil", "error.dateTimeOffset"));
        }
        // By default the recording goes to recording tickets and to live registrants who did not attend.
        var audience = "recording_and_absent";
        if (root.TryGetProperty("audience", out var au) && au.ValueKind != JsonValueKind.Null)
        {
            if (au.ValueKind == JsonValueKind.String && Audiences.Contains(au.GetString())) audience = au.GetString()!;
            else errors.Add(new("audience", "error.audience"));
        }
        return errors.Count > 0 ? (null, errors) : (new Recording(url!, until, audience), errors);
    }

    /// <summary>Stores the recording and queues its mail; null when the event does not exist.</summary>
    public static async Task<int?> SetAsync(DbConnection c, DbTransaction tx, HttpContext context, string slug, Recording r, DateTime now,
        CancellationToken ct)
    {
        var eventId = await RemindersApi.EventIdAsync(c, slug, ct, tx);
        if (eventId is null) return null;
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE events SET recording_url = @Url, recording_available_until = @AvailableUntil, recording_audience = @Audience,
                updated_at = @now
            WHERE id = @eventId
            """, new { r.Url, r.AvailableUntil, r.Audience, now, eventId }, tx, cancellationToken: ct));
        var audienceFilter = r.Audience switch
        {
            "all" => "",
            "recording_and_absent" => "AND (t.kind = 'recording' OR r.attended IS NOT TRUE)",
            _ => "AND t.kind = 'recording'",
        };
        var queued = await OutboxRows.EnqueueForRegistrationsAsync(c, tx, OutboxRows.Kinds.RecordingAvailable, "recording:", "{}", $"""
            FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
            WHERE r.event_id = @eventId AND r.status = '{RegistrationStatus.Confirmed}' AND {Erasure.Reachable} {audienceFilter}
            """, new { eventId }, now, ct);
        await Audit.WriteAsync(c, tx, context, "event.recording", slug, $"{r.Audience}, {queued} mails", now, ct);
        return queued;
    }
}
