using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Mail;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;
using EventPortal.Web.Reminders;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MimeKit;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/mail/rule/{id}</c>: one mail rule's own text (subject and body in Japanese and
/// English, with placeholders) and whether late registrants get it. The first press shows the mail as one
/// real registrant in the audience would get it and how many are in the audience now; the second saves.
/// Empty texts keep the built-in reminder.
/// </summary>
public sealed class MailRulePageModel(Db db, MailComposer composer, TimeProvider clock) : PageModel
{
    public EventSpec Event { get; private set; } = null!;
    public ReminderRule Rule { get; private set; } = null!;
    public string? ErrorKey { get; private set; }
    public object[] ErrorArgs { get; private set; } = [];
    public int? Recipients { get; private set; }
    public (string Subject, string Body)? Preview { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, long id, CancellationToken ct) =>
        await LoadAsync(slug, id, ct) ? Page() : NotFound();

    // Those the rule's plan row writes a row for (ReminderRules.Audience: not cancelled, with an address that is not erased,
    // of the rule's tickets), of the rule's status, category and attendance, which are read when each mail goes out.
    const string Audience = $"""
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id
        WHERE {ReminderRules.Audience} AND r.status = @status
          AND (@category IS NULL OR r.category_code = @category)
          AND (@attendance = 'any' OR (@attendance = 'attended' AND r.attended = @yes)
               OR (@attendance = 'absent' AND r.attended = @no) OR (@attendance = 'unknown' AND r.attended IS NULL)
               OR (@attendance = 'not_attended' AND (r.attended IS NULL OR r.attended = @no)))
        """;

    public async Task<IActionResult> OnPostAsync(string slug, long id, CancellationToken ct)
    {
        if (!await LoadAsync(slug, id, ct)) return NotFound();
        var form = Request.Form;
        Rule = Rule with
        {
            SubjectJa = form["subjectJa"].ToString().Trim(), BodyJa = form["bodyJa"].ToString().Replace("\r\n", "\n").Trim(),
            SubjectEn = form["subjectEn"].ToString().Trim(), BodyEn = form["bodyEn"].ToString().Replace("\r\n", "\n").Trim(),
            Late = form["late"] == "yes",
        };
        if (MailRuleText.Problems(Rule, Event.Categories.Select(c => c.Code).ToList(), Event.TicketTypes.Select(t => t.Code).ToList())
                .FirstOrDefault() is { } problem)
        {
            (ErrorKey, ErrorArgs) = (problem.Key, problem.Args);
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        if (form["save"] != "yes")
        {
            await PreviewAsync(ct);
            return Page();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var saved = await db.WriteAsync(async (c, tx) =>
        {
            var rules = (await ReminderRules.LoadAsync(c, tx, Event.Id, ct)).Select(r => r.Id == Rule.Id ? Rule : r).ToList();
            if (!rules.Contains(Rule)) return false;
            await ReminderRules.ReplaceAsync(c, tx, Event.Id, rules, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "event.mail_rule", Event.Slug,
                $"rule {Rule.Id}: {(Rule.Written ? "written" : "built-in")}{(Rule.Late ? ", late" : "")}", now, ct);
            return true;
        }, ct);
        if (!saved) return NotFound();
        Response.Headers.Location = $"/admin/events/{Uri.EscapeDataString(Event.Slug)}/mail?done=rules";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>How many are in the audience now, and the mail as the first of them would get it.</summary>
    async Task PreviewAsync(CancellationToken ct)
    {
        long? first;
        await using (var c = await db.OpenAsync(ct))
        {
            var args = new
            {
                eventId = Event.Id, audience = Rule.Audience, category = Rule.Category, attendance = Rule.Attendance, status = Rule.Status,
                yes = true, no = false,
            };
            Recipients = await c.ExecuteScalarAsync<int>(
                new CommandDefinition($"SELECT COUNT(*) {Audience}", args, cancellationToken: ct));
            first = await c.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(
                $"SELECT r.id {Audience} ORDER BY r.id LIMIT 1", args, cancellationToken: ct));
        }
        if (first is not { } registrationId) return;
        var row = new OutboxRow
        {
            Kind = OutboxRows.Kinds.Reminder, DedupeKey = "preview", RegistrationId = registrationId, Payload = "{\"audience\":\"all\"}",
        };
        if (await composer.ComposeAsync(row, ct, Rule) is { } message)
            Preview = (message.Subject ?? "", message.TextBody ?? "");
    }

    async Task<bool> LoadAsync(string slug, long id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        if (await EventSpec.LoadAsync(c, null, slug, ct) is not { Status: not EventStatus.Draft } e) return false;
        Event = e;
        if (await ReminderRules.FindAsync(c, null, e.Id, id, ct) is not { } rule) return false;
        Rule = rule;
        return true;
    }
}
