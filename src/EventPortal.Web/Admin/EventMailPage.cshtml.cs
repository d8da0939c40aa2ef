using System.Globalization;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Reminders;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/mail</c>: reminder rules, the recording, a message to registrants
/// (preview and recipient count, then send), and the progress of every bulk send.
/// </summary>
public sealed class EventMailPageModel(Db db, TimeProvider clock) : PageModel
{
    public EventSpec Event { get; private set; } = null!;
    public IReadOnlyList<ReminderRule> Rules { get; private set; } = [];
    public IReadOnlyList<MailProgress.Row> Progress { get; private set; } = [];
    public string? NoticeKey { get; private set; }
    public string? ErrorKey { get; private set; }
    public int? PreviewCount { get; private set; }
    public string Subject { get; private set; } = "";
    public string Body { get; private set; } = "";
    public Audience Filter { get; private set; } = new(null, null, null);
    /// <summary>When a one-off message is to go, as typed (empty: at once).</summary>
    public string SendAt { get; private set; } = "";
    public static readonly (string Unit, int Minutes)[] Units = [("days", 1440), ("hours", 60), ("minutes", 1)];

    public async Task<IActionResult> OnGetAsync(string slug, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        NoticeKey = done is "rules" or "recording" or "message" or "scheduled" ? "adminMail.done." + done : null;
        return Page();
    }

    /// <summary>The progress numbers as JSON, for progress.js.</summary>
    public async Task<IActionResult> OnGetProgressAsync(string slug, CancellationToken ct) =>
        await LoadAsync(slug, ct) ? new JsonResult(Progress) : NotFound();

    public async Task<IActionResult> OnPostRulesAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var rules = new List<ReminderRule>();
        for (var i = 0; i < 10; i++)
        {
            var amountText = Request.Form[$"amount{i}"].ToString().Trim();
            if (amountText.Length == 0) continue;
            var unit = Units.FirstOrDefault(u => u.Unit == Request.Form[$"unit{i}"].ToString()).Minutes;
            var audience = Request.Form[$"audience{i}"].ToString();
            var direction = Request.Form[$"direction{i}"].ToString();
            if (!int.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 60 * 24 * 60
                || unit == 0 || direction is not ("before" or "after"))
                return Invalid("adminMail.badRule");
            var sign = direction == "after" ? 1 : -1;
            // The text and "late" are edited on the rule's own page: a row of a stored rule keeps them.
            var stored = long.TryParse(Request.Form[$"id{i}"], out var id) ? Rules.FirstOrDefault(r => r.Id == id) : null;
            var rule = (stored ?? new ReminderRule(0, audience)) with
            {
                OffsetMinutes = sign * amount * unit, Audience = audience, Anchor = Request.Form[$"anchor{i}"].ToString(),
                Category = Request.Form[$"category{i}"].ToString() is { Length: > 0 } category ? category : null,
                Attendance = Request.Form[$"attendance{i}"].ToString(), Status = Request.Form[$"status{i}"].ToString(),
            };
            if (MailRuleText.Problems(rule, Event.Categories.Select(c => c.Code).ToList(), Event.TicketTypes.Select(t => t.Code).ToList())
                .Any())
                return Invalid("adminMail.badRule");
            rules.Add(rule);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            await ReminderRules.ReplaceAsync(c, tx, Event.Id, rules, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "event.reminders", slug,
                string.Join(", ", rules.Select(r => $"{r.OffsetMinutes}:{r.Audience}")), now, ct);
            return 0;
        }, ct);
        return Done(slug, "rules");
    }

    public async Task<IActionResult> OnPostRecordingAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var url = Request.Form["url"].ToString().Trim();
        var audience = Request.Form["recordingAudience"].ToString();
        DateTime? until = null;
        var untilText = Request.Form["until"].ToString().Trim();
        if (untilText.Length > 0)
        {
            if (!DateTime.TryParseExact(untilText, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                return Invalid("error.dateTimeOffset");
            until = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), EventTime.Zone(Event.TimeZone));
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme != "https" || url.Length > 2000)
            return Invalid("error.httpsUrl");
        if (!Recording.Audiences.Contains(audience)) return Invalid("error.audience");
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync((c, tx) => Recording.SetAsync(c, tx, HttpContext, slug, new Recording(url, until, audience), now, ct), ct);
        return Done(slug, "recording");
    }

    /// <summary>First press: the preview and the recipient count. Second press (send=yes): the send.</summary>
    public async Task<IActionResult> OnPostMessageAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        Subject = Request.Form["subject"].ToString().Trim();
        Body = Request.Form["body"].ToString().Replace("\r\n", "\n").Trim();
        Filter = new Audience(Pick(Request.Form["ticket"], Event.TicketTypes.Select(t => t.Code)),
            Pick(Request.Form["status"], Audience.Statuses), Pick(Request.Form["category"], Event.Categories.Select(c => c.Code)));
        // A filter that is not one of the choices would otherwise mean "everyone": refuse it instead.
        if (Unknown(Request.Form["ticket"], Filter.Ticket) || Unknown(Request.Form["status"], Filter.Status)
            || Unknown(Request.Form["category"], Filter.Category))
            return Invalid("error.badChoice");
        if (Subject.Length is 0 or > OrganiserMessages.SubjectMax
            || !Registrations.RegistrationValidator.IsCleanText(Subject, multiline: false))
            return Invalid("adminMail.badSubject");
        if (Body.Length is 0 or > OrganiserMessages.BodyMax
            || !Registrations.RegistrationValidator.IsCleanText(Body, multiline: true))
            return Invalid("adminMail.badBody");
        var sendAtText = Request.Form["sendAt"].ToString().Trim();
        SendAt = sendAtText.Length <= 16 ? sendAtText : "";
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? sendAt = null;
        if (sendAtText.Length > 0)
        {
            // Wall-clock time in the event's zone, as the datetime-local field sends it; later than now, within a year.
            if (!DateTime.TryParseExact(sendAtText, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                return Invalid("error.dateTimeOffset");
            sendAt = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), EventTime.Zone(Event.TimeZone));
            if (sendAt <= now || sendAt > now.AddYears(1)) return Invalid("adminMail.badSendAt");
        }
        if (Request.Form["send"] != "yes")
        {
            await using var c = await db.OpenAsync(ct);
            PreviewCount = await OrganiserMessages.CountAsync(c, Event.Id, Filter, ct);
            return Page();
        }
        await db.WriteAsync((c, tx) => OrganiserMessages.SendAsync(c, tx, HttpContext, Event.Id, slug, Subject, Body, Filter, now, ct,
            sendAt), ct);
        return Done(slug, sendAt is null ? "message" : "scheduled");
    }

    static string? Pick(string? value, IEnumerable<string> allowed) => value is { Length: > 0 } v && allowed.Contains(v) ? v : null;

    static bool Unknown(string? sent, string? picked) => !string.IsNullOrEmpty(sent) && picked is null;

    IActionResult Invalid(string key)
    {
        ErrorKey = key;
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    IActionResult Done(string slug, string what) => Redirect($"/admin/events/{Uri.EscapeDataString(slug)}/mail?done={what}");

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        // A draft has nobody to write to yet (its reminder rules can be set through the API).
        if (await EventSpec.LoadAsync(c, null, slug, ct) is not { Status: not EventStatus.Draft } e) return false;
        Event = e;
        Rules = await ReminderRules.LoadAsync(c, null, e.Id, ct);
        Progress = await MailProgress.LoadAsync(c, e.Id, ct);
        return true;
    }

    /// <summary>A rule as the form shows it: the largest unit that divides it exactly.</summary>
    public static (int Amount, string Unit, string Direction) Describe(ReminderRule rule)
    {
        var minutes = Math.Abs(rule.OffsetMinutes);
        var (unit, size) = Units.First(u => minutes % u.Minutes == 0);
        return (minutes / size, unit, rule.OffsetMinutes > 0 ? "after" : "before");
    }
}
