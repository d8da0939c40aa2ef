using System.Net.Mail;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using EventPortal.Calendar;
using EventPortal.Web.Calendar;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Mail;

/// <summary>
/// Builds the mail an outbox row owes from the state of things at sending time, in the
/// registrant's language: a confirmation queued before a cancellation is no longer owed, a
/// waitlist notice for someone already promoted neither. Confirmations carry the invite as
/// the last alternative (<c>text/calendar; method=REQUEST</c>) and as <c>invite.ics</c>:
/// <c>multipart/mixed{multipart/alternative{text/plain, text/html, text/calendar}, invite.ics}</c>.
/// </summary>
public sealed class MailComposer(Db db, MailTemplates templates, Invites invites, Tokens tokens, Links links,
    IOptions<MailOptions> options, TimeProvider clock)
{
    public async Task<MailMessage?> ComposeAsync(OutboxRow row, CancellationToken ct)
    {
        if (row.RegistrationId is not { } id) throw new OutboxException($"Mail row {row.Id} names no registration.", permanent: true);
        var r = await RegistrationQueries.FindAsync(db, id, ct);
        var details = r is null ? null : await EventQueries.FindAsync(db, r.Slug, ct);
        // Personal data deleted (perhaps while this row waited in a claimed batch), or the event withdrawn.
        if (r is null || details is null || Erasure.IsErased(r.Email)) return null;
        var (template, withInvite) = Choose(row.Kind, r.Status);
        if (template is null) return null;
        // A reminder planned for live tickets is not for someone who has since switched to the recording.
        if (row.Kind == OutboxRows.Kinds.Reminder && !row.Payload.Contains("\"all\"", StringComparison.Ordinal)
            && !row.Payload.Contains($"\"{r.TicketKind}\"", StringComparison.Ordinal)) return null;

        var e = details.Event;
        var language = Text.Languages.Contains(r.Language) ? r.Language : Text.DefaultLanguage;
        var baseUrl = links.Background();
        var now = clock.GetUtcNow().UtcDateTime;
        var (method, invite) = invites.ForRegistration(r, e, baseUrl, language, now);
        var model = await ModelAsync(r, details, invite, baseUrl, language, withInvite, ct);
        model["reminderLead"] = row.Kind == OutboxRows.Kinds.Reminder ? Lead(e, now, language) : "";
        if (row.Kind == OutboxRows.Kinds.OrganiserMessage) await AddOrganiserMessageAsync(model, row, ct);
        var (subject, html, text) = templates.Render(language, template, model);

        var message = new MailMessage
        {
            From = new MailAddress(options.Value.From, HeaderText(options.Value.FromName)),
            Subject = HeaderText(subject),
            SubjectEncoding = Encoding.UTF8,
            HeadersEncoding = Encoding.UTF8,
        };
        message.To.Add(Recipient(r.Email, (string)model["recipientName"]!));
        if (IsAddress(e.OrganiserEmail)) message.ReplyToList.Add(new MailAddress(e.OrganiserEmail, HeaderText(e.OrganiserName)));
        message.Headers["Message-ID"] = MessageId(row);
        message.Headers["Auto-Submitted"] = "auto-generated";
        message.Headers["X-Auto-Response-Suppress"] = "All";
        message.AlternateViews.Add(View(text, "text/plain; charset=utf-8"));
        message.AlternateViews.Add(View(html, "text/html; charset=utf-8"));
        if (withInvite)
        {
            var ics = IcsWriter.Write(method, invite);
            var methodName = method.ToString().ToUpperInvariant();
            message.AlternateViews.Add(View(ics, $"text/calendar; method={methodName}; charset=utf-8"));
            message.Attachments.Add(new Attachment(new MemoryStream(Encoding.UTF8.GetBytes(ics)), "invite.ics", "application/ics"));
        }
        return message;
    }

    /// <summary>Which template a row's kind calls for now, and whether it carries the invite.</summary>
    static (string? Template, bool Invite) Choose(string kind, string status) => (kind, status) switch
    {
        (OutboxRows.Kinds.Confirmed or OutboxRows.Kinds.Resent, RegistrationStatus.Confirmed) => ("registration_confirmed", true),
        (OutboxRows.Kinds.Resent or OutboxRows.Kinds.Waitlisted, RegistrationStatus.Waitlisted) => ("registration_waitlisted", false),
        (OutboxRows.Kinds.Promoted, RegistrationStatus.Confirmed) => ("registration_promoted", true),
        (OutboxRows.Kinds.Switched, RegistrationStatus.Confirmed) => ("ticket_switched", true),
        (OutboxRows.Kinds.EventUpdated, RegistrationStatus.Confirmed) => ("event_updated", true),
        (OutboxRows.Kinds.EventUpdated, RegistrationStatus.Waitlisted) => ("event_updated", false),
        (OutboxRows.Kinds.Cancelled, _) => ("registration_cancelled", true),
        (OutboxRows.Kinds.Reminder, RegistrationStatus.Confirmed) => ("reminder", false),
        (OutboxRows.Kinds.RecordingAvailable, RegistrationStatus.Confirmed) => ("recording_available", false),
        (OutboxRows.Kinds.OrganiserMessage, _) => ("organiser_message", false),
        _ => (null, false),
    };

    async Task<Dictionary<string, object?>> ModelAsync(PersonalRegistration r, EventDetails details, CalendarEvent invite,
        string baseUrl, string language, bool withInvite, CancellationToken ct)
    {
        var e = details.Event;
        var ticket = details.Tickets.First(t => t.Id == r.TicketTypeId);
        var live = ticket.IsLive && r.Status == RegistrationStatus.Confirmed;
        var manageUrl = $"{baseUrl}/r/{tokens.Manage(r.TokenSeed)}";
        var recording = await RecordingAsync(e.Id, ct);
        return new Dictionary<string, object?>
        {
            ["lang"] = language,
            ["siteName"] = Text.Get("site.name", language),
            ["organiserName"] = e.OrganiserName,
            ["organiserContact"] = e.Contact,
            ["organiserEmail"] = e.OrganiserEmail,
            ["recipientName"] = string.Format(Text.Get("mail.recipientName", language), r.FamilyName, r.GivenName),
            ["familyName"] = r.FamilyName,
            ["givenName"] = r.GivenName,
            ["eventTitle"] = e.Title,
            ["eventSummary"] = e.Summary,
            ["eventWhen"] = EventTime.Range(e.StartsAt, e.EndsAt, e.TimeZone, language),
            ["doorsOpen"] = e.DoorsOpenMinutes > 0 ? EventTime.DoorsOpen(e.StartsAt, e.DoorsOpenMinutes, e.TimeZone) : null,
            ["venue"] = e.Venue,
            ["eventUrl"] = $"{baseUrl}/events/{Uri.EscapeDataString(e.Slug)}",
            ["manageUrl"] = manageUrl,
            ["inviteUrl"] = $"{manageUrl}/invite.ics",
            ["qrUrl"] = $"{manageUrl}/qr.png",
            ["ticketName"] = ticket.Name(language),
            ["isLive"] = ticket.IsLive,
            ["isRecording"] = !ticket.IsLive,
            ["status"] = r.Status,
            ["joinUrl"] = live ? $"{baseUrl}/j/{tokens.Join(r.TokenSeed)}" : null,
            ["watchUrl"] = recording.Available ? $"{baseUrl}/w/{tokens.Watch(r.TokenSeed)}" : null,
            ["recordingUntil"] = recording.Until is { } until ? EventTime.Date(EventTime.Local(until, e.TimeZone), language) : "",
            ["hasInvite"] = withInvite,
            ["calendarGoogle"] = AddToCalendar.Google(invite),
            ["calendarOutlookWork"] = AddToCalendar.OutlookWork(invite),
            ["calendarOutlookPersonal"] = AddToCalendar.OutlookPersonal(invite),
        };
    }

    async Task<(bool Available, DateTime? Until)> RecordingAsync(long eventId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var recording = await connection.QuerySingleOrDefaultAsync<(string? Url, DateTime? Until)>(new CommandDefinition(
            "SELECT recording_url, recording_available_until FROM events WHERE id = @eventId", new { eventId }, cancellationToken: ct));
        var until = recording.Until is { } u ? DateTime.SpecifyKind(u, DateTimeKind.Utc) : (DateTime?)null;
        return (!string.IsNullOrEmpty(recording.Url) && (until is null || until > clock.GetUtcNow().UtcDateTime), until);
    }

    async Task AddOrganiserMessageAsync(Dictionary<string, object?> model, OutboxRow row, CancellationToken ct)
    {
        var messageId = JsonDocument.Parse(row.Payload).RootElement.GetProperty("messageId").GetInt64();
        await using var connection = await db.OpenAsync(ct);
        var written = await Reminders.OrganiserMessages.FindAsync(connection, messageId, ct)
            ?? throw new OutboxException($"Organiser message {messageId} is gone.", permanent: true);
        model["messageSubject"] = written.Subject;
        model["messageBody"] = written.Body;
    }

    /// <summary>"明日開催です" / "Starts in 45 minutes": how far off the event is when the reminder goes out.</summary>
    static string Lead(EventRecord e, DateTime now, string language)
    {
        var minutes = (int)Math.Ceiling((e.StartsAt - now).TotalMinutes);
        if (minutes <= 0) return "";
        if (minutes <= 120)
            return string.Format(System.Globalization.CultureInfo.InvariantCulture, Text.Get("mail.lead.minutes", language), minutes);
        var days = (EventTime.Local(e.StartsAt, e.TimeZone).Date - EventTime.Local(now, e.TimeZone).Date).Days;
        return days switch
        {
            0 => Text.Get("mail.lead.today", language),
            1 => Text.Get("mail.lead.tomorrow", language),
            _ => string.Format(System.Globalization.CultureInfo.InvariantCulture, Text.Get("mail.lead.days", language), days),
        };
    }

    static AlternateView View(string content, string contentType)
    {
        var view = AlternateView.CreateAlternateViewFromString(content, new ContentType(contentType));
        view.TransferEncoding = TransferEncoding.Base64;
        return view;
    }

    /// <summary>
    /// The registrant's address. Carrier addresses such as <c>a..b@ezweb.ne.jp</c> are not
    /// RFC 5322 dot-atoms and System.Net.Mail refuses them; the quoted local part
    /// (<c>"a..b"@ezweb.ne.jp</c>) is the standard spelling of the same mailbox.
    /// </summary>
    public static MailAddress Recipient(string email, string name)
    {
        try { return new MailAddress(email, HeaderText(name)); }
        catch (FormatException)
        {
            var at = email.LastIndexOf('@');
            return new MailAddress($"\"{email[..at]}\"{email[at..]}", HeaderText(name));
        }
    }

    /// <summary>Header values never carry CR, LF or other control characters (header injection).</summary>
    public static string HeaderText(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? ' ' : c)).Trim();

    /// <summary>Stable across retries of the same row, so a rare repeat is recognisable as one message.</summary>
    string MessageId(OutboxRow row)
    {
        var domain = options.Value.From[(options.Value.From.LastIndexOf('@') + 1)..];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(row.DedupeKey)))[..16];
        return $"<{row.Id}.{hash}@{domain}>";
    }

    static bool IsAddress(string value)
    {
        try { return value.Length > 0 && new MailAddress(value).Address == value; }
        catch (FormatException) { return false; }
    }
}
