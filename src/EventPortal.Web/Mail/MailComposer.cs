using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventPortal.Calendar;
using EventPortal.Web.Calendar;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Outbox;
using EventPortal.Web.Registrations;
using EventPortal.Web.Reminders;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Text;

namespace EventPortal.Web.Mail;

/// <summary>
/// Builds the mail an outbox row owes from the state of things at sending time, in the
/// registrant's language: a confirmation queued before a cancellation is no longer owed, a
/// waitlist notice for someone already promoted neither. Confirmations carry the invite as
/// the last alternative (<c>text/calendar; method=REQUEST</c>) and as <c>invite.ics</c>:
/// <c>multipart/mixed{multipart/alternative{text/plain, text/html, text/calendar}, invite.ics}</c>.
/// MimeKit writes it (RFC 2047 UTF-8 headers, base64 bodies) and signs it when DKIM is set up.
/// </summary>
public sealed class MailComposer(Db db, MailTemplates templates, Invites invites, Tokens tokens, Links links, EventMailParts eventParts,
    DkimSigning dkim, IOptions<MailOptions> options, TimeProvider clock)
{
    /// <param name="preview">A mail rule not yet saved, to show the organiser what it would send (instead of the row's own rule).</param>
    public async Task<MimeMessage?> ComposeAsync(OutboxRow row, CancellationToken ct, ReminderRule? preview = null)
    {
        if (row.RegistrationId is not { } id) throw new OutboxException($"Mail row {row.Id} names no registration.", permanent: true);
        var r = await RegistrationQueries.FindAsync(db, id, ct);
        var parts = r is null ? null : await eventParts.ForAsync(r, ct);
        // Personal data deleted (perhaps while this row waited in a claimed batch), the event withdrawn, or a person
        // staff registered without an address (nothing should be queued for them; skipped, never retried, if it was).
        if (r is null || parts is null || Erasure.IsErased(r.Email) || r.Email.Length == 0) return null;
        var (template, withInvite) = Choose(row.Kind, r.Status, r.AddressConfirmed);
        var rule = preview;
        if (rule is null && row.Kind == OutboxRows.Kinds.Reminder && MailRuleText.RuleId(row.Payload) is { } ruleId)
        {
            await using (var connection = await db.OpenAsync(ct))
                rule = await ReminderRules.FindAsync(connection, null, r.EventId, ruleId, ct);
            // The rule was deleted after this row was claimed.
            if (rule is null) return null;
        }
        // A row planned before rules had ids: a reminder for live tickets is not for someone who has since switched.
        else if (rule is null && row.Kind == OutboxRows.Kinds.Reminder && !row.Payload.Contains("\"all\"", StringComparison.Ordinal)
            && !row.Payload.Contains($"\"{r.TicketKind}\"", StringComparison.Ordinal)) return null;
        // The waitlist gets a rule's mail in the organiser's words only (there is no built-in text for it).
        if (rule is { Status: RegistrationStatus.Waitlisted, Written: true } && r.Status == RegistrationStatus.Waitlisted
            && r.AddressConfirmed)
            template = OrganiserMessageTemplate;
        if (template is null) return null;
        // Who attended is known once the report is read or staff have marked: until then, a rule for attendees
        // or absentees waits rather than deciding on marks not yet made.
        if (rule is { Attendance: not "any" } && MailRuleText.Reaches(rule with { Attendance = "any" }, r)
            && !await AttendanceSettledAsync(r.EventId, ct))
            throw new OutboxException("Waiting for the attendance to be recorded before deciding who this mail is for.",
                permanent: false) { RetryAfter = AttendanceWait };
        if (rule is not null && !MailRuleText.Reaches(rule, r)) return null;

        var e = parts.Details.Event;
        var language = Text.Languages.Contains(r.Language) ? r.Language : Text.DefaultLanguage;
        var baseUrl = links.Background();
        var now = clock.GetUtcNow().UtcDateTime;
        var personalInvite = invites.ForRegistration(r, e, baseUrl, language, now);
        var (method, invite, _) = personalInvite;
        var model = Model(r, parts, invite, baseUrl, language, withInvite, now);
        model["reminderLead"] = row.Kind == OutboxRows.Kinds.Reminder ? Lead(e, now, language) : "";
        if (template == AddressConfirmationTemplate) AddConfirmLink(model, r, baseUrl, language, e.TimeZone);
        if (row.Kind == OutboxRows.Kinds.OrganiserMessage && !await AddOrganiserMessageAsync(model, row, r.Status, ct)) return null;
        if (rule is { Written: true })
        {
            await using (var connection = await db.OpenAsync(ct))
                if (await Surveys.SurveyStore.IsOpenAsync(connection, r.EventId, ct))
                    model["surveyUrl"] = $"{baseUrl}/s/{tokens.Manage(r.Id, r.TokenSeed)}";
            (model["messageSubject"], model["messageBody"]) = MailRuleText.Render(rule, language, model);
            model["subjectAsWritten"] = true;   // the organiser's subject as it is, without the event title in front
            template = OrganiserMessageTemplate;
        }
        var (subject, html, text) = templates.Render(language, template, model);

        var message = new MimeMessage { Subject = MailAddresses.HeaderText(subject), MessageId = MessageId(row), Date = clock.GetUtcNow() };
        message.From.Add(new MailboxAddress(MailAddresses.HeaderText(options.Value.FromName), options.Value.From));
        message.To.Add(MailAddresses.Recipient(r.Email, (string)model["recipientName"]!));
        if (MailAddresses.IsAddress(e.OrganiserEmail))
            message.ReplyTo.Add(new MailboxAddress(MailAddresses.HeaderText(e.OrganiserName), e.OrganiserEmail));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Auto-Response-Suppress", "All");
        var alternative = new MultipartAlternative { Part(TextFormat.Plain, text), Part(TextFormat.Html, html) };
        if (!withInvite) message.Body = alternative;
        else
        {
            var ics = Invites.IcsText(personalInvite);
            var calendar = Part("calendar", ics);
            calendar.ContentType.Parameters.Add("method", method.ToString().ToUpperInvariant());
            alternative.Add(calendar);
            var attachment = new MimePart("application", "ics")
            {
                Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(ics))),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = "invite.ics",
            };
            message.Body = new Multipart("mixed") { alternative, attachment };
        }
        dkim.Sign(message);
        return message;
    }

    static TextPart Part(TextFormat format, string content) => Part(format.ToString().ToLowerInvariant(), content);

    static TextPart Part(string subtype, string content)
    {
        var part = new TextPart(subtype) { ContentTransferEncoding = ContentEncoding.Base64 };
        part.SetText(Encoding.UTF8, content);
        return part;
    }

    const string AddressConfirmationTemplate = "address_confirmation";
    const string OrganiserMessageTemplate = "organiser_message";

    /// <summary>
    /// Which template a row's kind calls for now, and whether it carries the invite. An address not
    /// yet confirmed is sent the link that confirms it and nothing else (no invite, no join link).
    /// </summary>
    static (string? Template, bool Invite) Choose(string kind, string status, bool addressConfirmed) =>
        (kind, status, addressConfirmed) switch
    {
        (OutboxRows.Kinds.AddressConfirmation or OutboxRows.Kinds.Resent,
            RegistrationStatus.Pending or RegistrationStatus.Waitlisted, false) => (AddressConfirmationTemplate, false),
        (_, _, false) => (null, false),
        _ => Choose(kind, status),
    };

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
        (OutboxRows.Kinds.OrganiserMessage, _) => (OrganiserMessageTemplate, false),
        _ => (null, false),
    };

    Dictionary<string, object?> Model(PersonalRegistration r, EventMailParts.Parts parts, CalendarEvent invite,
        string baseUrl, string language, bool withInvite, DateTime now)
    {
        var e = parts.Details.Event;
        var ticket = parts.Details.Tickets.First(t => t.Id == r.TicketTypeId);
        var live = ticket.IsLive && r.Status == RegistrationStatus.Confirmed;
        var manageUrl = $"{baseUrl}/r/{tokens.Manage(r.Id, r.TokenSeed)}";
        var recordingAvailable = !string.IsNullOrEmpty(parts.RecordingUrl) && (parts.RecordingUntil is not { } end || end > now);
        return new Dictionary<string, object?>(parts.Model(language, baseUrl))
        {
            ["recipientName"] = string.Format(Text.Get("mail.recipientName", language), r.FamilyName, r.GivenName),
            ["familyName"] = r.FamilyName,
            ["givenName"] = r.GivenName,
            ["manageUrl"] = manageUrl,
            ["inviteUrl"] = $"{manageUrl}/invite.ics",
            ["qrUrl"] = $"{manageUrl}/qr.png",
            ["ticketName"] = ticket.Name(language),
            ["isLive"] = ticket.IsLive,
            ["isRecording"] = !ticket.IsLive,
            ["status"] = r.Status,
            ["joinUrl"] = live ? $"{baseUrl}/j/{tokens.Join(r.Id, r.TokenSeed)}" : null,
            ["watchUrl"] = recordingAvailable ? $"{baseUrl}/w/{tokens.Watch(r.Id, r.TokenSeed)}" : null,
            ["recordingUntil"] = parts.RecordingUntil is { } until ? EventTime.Date(EventTime.Local(until, e.TimeZone), language) : "",
            ["hasInvite"] = withInvite,
            ["calendarGoogle"] = AddToCalendar.Google(invite),
            ["calendarOutlookWork"] = AddToCalendar.OutlookWork(invite),
            ["calendarOutlookPersonal"] = AddToCalendar.OutlookPersonal(invite),
        };
    }

    /// <summary>The link that confirms the address; the personal page's links stay out until it is used.</summary>
    void AddConfirmLink(Dictionary<string, object?> model, PersonalRegistration r, string baseUrl, string language, string timeZone)
    {
        model["confirmUrl"] = $"{baseUrl}/r/{tokens.Manage(r.Id, r.TokenSeed)}/confirm";
        model["manageUrl"] = null;
        model["qrUrl"] = null;
        model["isPending"] = r.Status == RegistrationStatus.Pending;
        model["holdUntil"] = r.HoldUntil is { } until
            ? $"{EventTime.Date(EventTime.Local(until, timeZone), language)} {EventTime.Local(until, timeZone):HH:mm} "
              + $"({EventTime.ZoneLabel(until, timeZone, language)})"
            : "";
    }

    /// <summary>The organiser's message into the model; false when it is no longer for this registration (cancelled since).</summary>
    async Task<bool> AddOrganiserMessageAsync(Dictionary<string, object?> model, OutboxRow row, string status, CancellationToken ct)
    {
        var messageId = JsonDocument.Parse(row.Payload).RootElement.GetProperty("messageId").GetInt64();
        await using var connection = await db.OpenAsync(ct);
        var written = await Reminders.OrganiserMessages.FindAsync(connection, messageId, ct)
            ?? throw new OutboxException($"Organiser message {messageId} is gone.", permanent: true);
        model["messageSubject"] = written.Subject;
        model["messageBody"] = written.Body;
        return written.StillFor(status);
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

    static readonly TimeSpan AttendanceWait = TimeSpan.FromHours(4);

    /// <summary>
    /// Attendance is settled for a mail rule when the provider's report has been read, staff have marked anyone,
    /// the meeting is one the portal cannot read a report of (a link pasted by hand: joins through /j/ are all
    /// there is), or two days have passed since the end.
    /// </summary>
    async Task<bool> AttendanceSettledAsync(long eventId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT CASE WHEN e.attendance_report_at IS NOT NULL OR e.meeting_provider NOT IN ('Teams', 'Zoom') OR e.ends_at < @twoDaysAgo
                OR EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.attended_source IN ('console', 'import', 'api'))
                THEN 1 ELSE 0 END
            FROM events e WHERE e.id = @eventId
            """, new { eventId, twoDaysAgo = clock.GetUtcNow().UtcDateTime.AddDays(-2) }, cancellationToken: ct));
    }

    /// <summary>Stable across retries of the same row, so a rare repeat is recognisable as one message.</summary>
    string MessageId(OutboxRow row)
    {
        var domain = options.Value.From[(options.Value.From.LastIndexOf('@') + 1)..];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(row.DedupeKey)))[..16];
        return $"{row.Id}.{hash}@{domain}";
    }
}
