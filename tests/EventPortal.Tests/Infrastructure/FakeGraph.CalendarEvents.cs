using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>A calendar event with a Teams meeting in a user's mailbox (times as sent: local wall clock plus zone).</summary>
public sealed record FakeCalendarEvent(string Id, string UserId, string? TransactionId, string Subject, string Start, string End,
    string TimeZone, string Body, string? JoinUrl, bool Deleted = false);

/// <summary>
/// Calendar events on the fake Graph: <c>POST /v1.0/users/{id}/events</c> (201; a POST with the
/// <c>transactionId</c> of an existing event returns that event; 400 without start/end or with an
/// unknown time zone; 415 for a body that is not JSON), <c>PATCH …/events/{id}</c> (200; 400 when
/// transactionId would change), <c>DELETE</c> (204; 404 when gone). They pass the same checks as
/// online meetings first (FakeGraph.Meetings.cs), <see cref="FailNextMeeting"/> included.
/// </summary>
public sealed partial class FakeGraph
{
    readonly Dictionary<string, FakeCalendarEvent> _events = new(StringComparer.Ordinal);

    public IReadOnlyList<FakeCalendarEvent> CalendarEvents { get { lock (_gate) return _events.Values.ToList(); } }

    async Task CalendarEventsAsync(HttpContext context, string userId, string? id)
    {
        if (!await MeetingCallAllowedAsync(context, userId)) return;
        var request = context.Request;
        if (id is null && HttpMethods.IsPost(request.Method)) await CreateEventAsync(context, userId);
        else if (id is not null && HttpMethods.IsPatch(request.Method)) await PatchEventAsync(context, userId, id);
        else if (id is not null && HttpMethods.IsDelete(request.Method)) await DeleteEventAsync(context, userId, id);
        else await GraphErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
    }

    async Task CreateEventAsync(HttpContext context, string userId)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        var (start, end, error) = EventTimes(root);
        if (error is not null) { await GraphErrorAsync(context, 400, "ErrorInvalidRequest", error); return; }
        var transactionId = root.TryGetProperty("transactionId", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var online = root.TryGetProperty("isOnlineMeeting", out var o) && o.ValueKind == JsonValueKind.True
            && root.TryGetProperty("onlineMeetingProvider", out var p) && p.GetString() == "teamsForBusiness";
        FakeCalendarEvent made;
        lock (_gate)
        {
            made = _events.Values.FirstOrDefault(e =>
                    !e.Deleted && e.UserId == userId && transactionId is not null && e.TransactionId == transactionId)
                ?? new FakeCalendarEvent("AAMkAG" + Base64Url(RandomNumberGenerator.GetBytes(24)), userId, transactionId,
                    root.TryGetProperty("subject", out var sub) ? sub.GetString() ?? "" : "",
                    start!.Value.DateTime, end!.Value.DateTime, start.Value.TimeZone,
                    root.TryGetProperty("body", out var b) && b.TryGetProperty("content", out var c) ? c.GetString() ?? "" : "",
                    online ? NewJoinUrl() : null);
            _events[made.Id] = made;
        }
        await WriteJsonAsync(context, 201, EventJson(made));
    }

    async Task PatchEventAsync(HttpContext context, string userId, string id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        FakeCalendarEvent? found;
        lock (_gate) found = _events.TryGetValue(id, out var e) && !e.Deleted && e.UserId == userId ? e : null;
        if (found is null)
        {
            await GraphErrorAsync(context, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
            return;
        }
        if (root.TryGetProperty("transactionId", out var t) && t.GetString() != found.TransactionId)
        {
            await GraphErrorAsync(context, 400, "ErrorInvalidRequest", "The transactionId cannot be changed.");
            return;
        }
        var (start, end, error) = EventTimes(root, required: false);
        if (error is not null) { await GraphErrorAsync(context, 400, "ErrorInvalidRequest", error); return; }
        var updated = found with
        {
            Subject = root.TryGetProperty("subject", out var sub) ? sub.GetString() ?? "" : found.Subject,
            Start = start?.DateTime ?? found.Start, End = end?.DateTime ?? found.End, TimeZone = start?.TimeZone ?? found.TimeZone,
            Body = root.TryGetProperty("body", out var b) && b.TryGetProperty("content", out var c) ? c.GetString() ?? "" : found.Body,
        };
        lock (_gate) _events[id] = updated;
        await WriteJsonAsync(context, 200, EventJson(updated));
    }

    async Task DeleteEventAsync(HttpContext context, string userId, string id)
    {
        bool found;
        lock (_gate)
        {
            found = _events.TryGetValue(id, out var e) && !e.Deleted && e.UserId == userId;
            if (found) _events[id] = e! with { Deleted = true };
        }
        if (!found) await GraphErrorAsync(context, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
        else context.Response.StatusCode = 204;
    }

    /// <summary>start and end as dateTimeTimeZone: a local time and a zone Windows or IANA knows; end after start.</summary>
    static ((string DateTime, string TimeZone)? Start, (string DateTime, string TimeZone)? End, string? Error) EventTimes(
        JsonElement root, bool required = true)
    {
        (string, string)? Read(string name, out string? error)
        {
            error = null;
            if (!root.TryGetProperty(name, out var v)) { if (required) error = $"{name} is required."; return null; }
            var dt = v.TryGetProperty("dateTime", out var d) ? d.GetString() : null;
            var tz = v.TryGetProperty("timeZone", out var z) ? z.GetString() : null;
            if (!DateTime.TryParse(dt, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                error = $"{name}.dateTime is not a valid date and time.";
                return null;
            }
            if (string.IsNullOrEmpty(tz) || !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
            {
                error = $"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{tz}'.";
                return null;
            }
            return (dt!, tz);
        }
        var start = Read("start", out var e1);
        var end = Read("end", out var e2);
        if ((e1 ?? e2) is { } error) return (null, null, error);
        if (start is { } s && end is { } e && string.CompareOrdinal(e.Item1, s.Item1) <= 0 && s.Item2 == e.Item2)
            return (null, null, "The end of the event must be after its start.");
        return (start, end, null);
    }

    static Dictionary<string, object?> EventJson(FakeCalendarEvent e) => new()
    {
        ["@odata.etag"] = "W/\"" + Base64Url(RandomNumberGenerator.GetBytes(9)) + "\"",
        ["id"] = e.Id,
        ["subject"] = e.Subject,
        ["transactionId"] = e.TransactionId,
        ["start"] = new Dictionary<string, string> { ["dateTime"] = e.Start + ".0000000", ["timeZone"] = e.TimeZone },
        ["end"] = new Dictionary<string, string> { ["dateTime"] = e.End + ".0000000", ["timeZone"] = e.TimeZone },
        ["isOnlineMeeting"] = e.JoinUrl is not null,
        ["onlineMeetingProvider"] = e.JoinUrl is not null ? "teamsForBusiness" : "unknown",
        ["onlineMeeting"] = e.JoinUrl is null ? null : new Dictionary<string, string> { ["joinUrl"] = e.JoinUrl },
        ["webLink"] = $"https://outlook.office365.com/owa/?itemid={Uri.EscapeDataString(e.Id)}&exvsurl=1&path=/calendar/item",
    };

    [GeneratedRegex("^/v1\\.0/users/([^/]+)/events(?:/([^/]+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex CalendarEventsPath();
}
