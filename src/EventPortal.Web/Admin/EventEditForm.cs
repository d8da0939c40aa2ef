using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;

namespace EventPortal.Web.Admin;

/// <summary>
/// The console's event form, bound by Razor Pages from the names <c>asp-for</c> gives its fields
/// (<c>Form.Title</c>, <c>Form.TicketTypes[0].Capacity</c>). It holds what was typed, as typed:
/// dates, times and numbers stay text until <see cref="ToSpec"/> reads them, so a bad value is
/// shown back and named instead of being lost in binding. <see cref="FromSpec"/> and
/// <see cref="ToSpec"/> are the one mapping between the form and an <see cref="EventSpec"/>.
/// A field's key is the name the admin API gives it, with the form's row number
/// (<c>title</c>, <c>ticketTypes[0].capacity</c>); only the times differ (<c>date</c>,
/// <c>startTime</c>, <c>endTime</c> for the API's <c>startsAt</c> and <c>endsAt</c>).
/// </summary>
[ValidateNever] // checked by EventSpecRules alone, as the admin API is: no second set of rules in attributes
public sealed partial class EventEditForm
{
    /// <summary>Empty rows after the stored ones; "add a row" adds more, up to the rules' largest list.</summary>
    public const int BlankRows = 2;
    public const string DateFormat = "yyyy-MM-dd", TimeFormat = "HH:mm", DateTimeFormat = "yyyy-MM-dd'T'HH:mm";
    public static readonly string[] Lists = ["ticketTypes", "categories", "questions", "speakers", "programme"];

    public string? Slug { get; set; }
    public string? Title { get; set; }
    public string? Summary { get; set; }
    public string? Description { get; set; }
    /// <summary>Wall-clock date and times in <see cref="TimeZone"/>.</summary>
    public string? Date { get; set; }
    public string? StartTime { get; set; }
    public string? EndTime { get; set; }
    public string? TimeZone { get; set; }
    public string? DoorsOpenMinutes { get; set; }
    public string? Venue { get; set; }
    public string? MeetingProvider { get; set; }
    public string? MeetingUrl { get; set; }
    public string? OrganiserName { get; set; }
    public string? OrganiserEmail { get; set; }
    public string? Contact { get; set; }
    public string? ConsentPurpose { get; set; }
    public List<TicketRow> TicketTypes { get; set; } = [];
    public List<CategoryRow> Categories { get; set; } = [];
    public List<QuestionRow> Questions { get; set; } = [];
    public List<SpeakerRow> Speakers { get; set; } = [];
    public List<ProgrammeRow> Programme { get; set; } = [];

    public sealed class TicketRow
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? NameEn { get; set; }
        public string? Capacity { get; set; }
        public bool Waitlist { get; set; }
        /// <summary>Double opt-in. False when unticked (the box sends nothing then); a new row starts ticked (AddRow).</summary>
        public bool ConfirmAddress { get; set; }
        public string? Kind { get; set; }
        /// <summary>Wall-clock, like the event's times.</summary>
        public string? SalesStart { get; set; }
        public string? SalesEnd { get; set; }
        /// <summary>Offered on stored ticket types only; a new row so marked is simply not added.</summary>
        public bool Remove { get; set; }
    }

    public sealed class CategoryRow
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? NameEn { get; set; }
    }

    public sealed class SpeakerRow
    {
        public string? Name { get; set; }
        public string? Affiliation { get; set; }
        public string? Role { get; set; }
        public string? Bio { get; set; }
        /// <summary>Optional; never shown publicly (a Zoom webinar's panelist).</summary>
        public string? Email { get; set; }
    }

    public sealed class ProgrammeRow
    {
        public string? Time { get; set; }
        public string? Title { get; set; }
        public string? Detail { get; set; }
    }

    /// <summary>The event as the form shows it: times as wall-clock in its zone, and blank rows to fill.</summary>
    public static EventEditForm FromSpec(EventSpec s)
    {
        var start = EventTime.Local(s.StartsAt, s.TimeZone);
        string? Local(DateTime? utc) => utc is { } t ? Format(EventTime.Local(t, s.TimeZone), DateTimeFormat) : null;
        var form = new EventEditForm
        {
            Slug = s.Slug, Title = s.Title, Summary = s.Summary, Description = s.Description, TimeZone = s.TimeZone,
            Date = Format(start, DateFormat), StartTime = Format(start, TimeFormat),
            EndTime = Format(EventTime.Local(s.EndsAt, s.TimeZone), TimeFormat),
            DoorsOpenMinutes = s.DoorsOpenMinutes.ToString(CultureInfo.InvariantCulture),
            Venue = s.Venue, MeetingProvider = s.MeetingProvider, MeetingUrl = s.MeetingUrl,
            OrganiserName = s.OrganiserName, OrganiserEmail = s.OrganiserEmail, Contact = s.Contact, ConsentPurpose = s.ConsentPurpose,
            TicketTypes = s.TicketTypes.Select(t => new TicketRow
            {
                Code = t.Code, Name = t.NameJa, NameEn = t.NameEn, Capacity = t.Capacity?.ToString(CultureInfo.InvariantCulture),
                Waitlist = t.Waitlist, ConfirmAddress = t.ConfirmsAddress, Kind = t.Kind, SalesStart = Local(t.SalesStart),
                SalesEnd = Local(t.SalesEnd),
            }).ToList(),
            Categories = s.Categories.Select(c => new CategoryRow { Code = c.Code, Name = c.NameJa, NameEn = c.NameEn }).ToList(),
            Questions = s.Questions.Select(QuestionRow.From).ToList(),
            Speakers = s.Speakers
                .Select(p => new SpeakerRow { Name = p.Name, Affiliation = p.Affiliation, Role = p.Role, Bio = p.Bio, Email = p.Email })
                .ToList(),
            Programme = s.Programme.Select(p => new ProgrammeRow { Time = p.Time, Title = p.Title, Detail = p.Detail }).ToList(),
        };
        for (var i = 0; i < BlankRows; i++)
            foreach (var list in Lists) form.AddRow(list);
        return form;
    }

    /// <summary>One more empty row at the end of a list (the "add a row" buttons); false for an unknown list or a full one.</summary>
    public bool AddRow(string list)
    {
        bool Add<T>(List<T> rows, T? row = null) where T : class, new()
        {
            if (rows.Count >= EventSpecRules.MaxRows) return false;
            rows.Add(row ?? new T());
            return true;
        }
        return list switch
        {
            // A new ticket confirms addresses unless the organiser unticks it, as tickets with a capacity do by default.
            "ticketTypes" => Add(TicketTypes, new TicketRow { ConfirmAddress = true }),
            "categories" => Add(Categories), "questions" => Add(Questions),
            "speakers" => Add(Speakers), "programme" => Add(Programme), _ => false,
        };
    }

    /// <summary>
    /// Reads the form onto <paramref name="existing"/> (or a new event): the spec to check and store,
    /// and the problems found reading it (dates, times, numbers), named as the rules name theirs:
    /// by the spec's row (<see cref="FieldOf"/> turns a name into the form's).
    /// </summary>
    public (EventSpec Spec, List<FieldError> Errors) ToSpec(EventSpec? existing)
    {
        var errors = new List<FieldError>();
        var zoneId = Line(TimeZone) is { Length: > 0 } typedZone ? typedZone : "Asia/Tokyo";
        var zone = EventSpecRules.IsTimeZone(zoneId) ? EventTime.Zone(zoneId) : TimeZoneInfo.Utc;
        var date = ParseLocal(Date, DateFormat, "date", errors, required: true);
        var startTime = ParseLocal(StartTime, TimeFormat, "startTime", errors, required: true);
        var endTime = ParseLocal(EndTime, TimeFormat, "endTime", errors, required: true);
        DateTime At(DateTime? day, DateTime? time, string field) =>
            day is { } d && time is { } t ? ToUtc(d.Date + t.TimeOfDay, zone, field, errors) ?? default : default;
        // The form shows minutes; a stored time with seconds (from the API) stays as it is unless its fields were changed.
        var shown = existing is null ? null : FromSpec(existing);
        var sameZone = shown is not null && shown.TimeZone == zoneId;
        var sameDay = sameZone && shown!.Date == Line(Date);

        var tickets = new List<TicketSpec>();
        foreach (var row in TicketTypes.Where(Kept))
        {
            var (code, f) = (Line(row.Code), $"ticketTypes[{tickets.Count}].");
            int? capacity = null;
            if (Line(row.Capacity) is { Length: > 0 } typed)
            {
                if (int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out var c)) capacity = c;
                else errors.Add(new(f + "capacity", "adminEvent.error.range", 0, EventSpecRules.CapacityMax));
            }
            DateTime? Sales(string? value, string field) =>
                ParseLocal(value, DateTimeFormat, f + field, errors) is { } local ? ToUtc(local, zone, f + field, errors) : null;
            var (salesStart, salesEnd) = (Sales(row.SalesStart, "salesStart"), Sales(row.SalesEnd, "salesEnd"));
            if (sameZone && existing!.TicketTypes.FirstOrDefault(t => t.Code == code) is { } stored)
            {
                var was = shown!.TicketTypes.First(t => t.Code == code);
                if (was.SalesStart == OrNull(Line(row.SalesStart))) salesStart = stored.SalesStart;
                if (was.SalesEnd == OrNull(Line(row.SalesEnd))) salesEnd = stored.SalesEnd;
            }
            tickets.Add(new TicketSpec(code, Line(row.Name), Line(row.NameEn), capacity, row.Waitlist,
                Line(row.Kind) is { Length: > 0 } kind ? kind : "live", salesStart, salesEnd) { ConfirmAddress = row.ConfirmAddress });
        }

        var doors = 0;
        if (Line(DoorsOpenMinutes) is { Length: > 0 } minutes
            && !int.TryParse(minutes, NumberStyles.None, CultureInfo.InvariantCulture, out doors))
            errors.Add(new("doorsOpenMinutes", "adminEvent.error.range", 0, EventSpecRules.DoorsOpenMax));
        var spec = (existing ?? new EventSpec()) with
        {
            Slug = existing?.Slug ?? Line(Slug).ToLowerInvariant(),
            Title = Line(Title), Summary = Block(Summary), Description = Block(Description), TimeZone = zoneId,
            StartsAt = sameDay && shown!.StartTime == Line(StartTime) ? existing!.StartsAt : At(date, startTime, "startTime"),
            EndsAt = sameDay && shown!.EndTime == Line(EndTime) ? existing!.EndsAt : At(date, endTime, "endTime"),
            DoorsOpenMinutes = doors, Venue = Line(Venue), OrganiserName = Line(OrganiserName),
            OrganiserEmail = EmailAddress.Clean(Line(OrganiserEmail)), Contact = Block(Contact), ConsentPurpose = Block(ConsentPurpose),
            MeetingUrl = OrNull(Line(MeetingUrl)),
            MeetingProvider = Line(MeetingProvider) is { Length: > 0 } provider ? provider : existing?.MeetingProvider ?? "Manual",
            TicketTypes = tickets,
            Categories = Categories.Where(Kept).Select(c => new CategorySpec(Line(c.Code), Line(c.Name), Line(c.NameEn))).ToList(),
            Questions = Questions.Where(Kept).Select((q, i) => q.ToSpec($"questions[{i}].", errors)).ToList(),
            Speakers = Speakers.Where(Kept)
                .Select(p => new SpeakerSpec(Line(p.Name), Line(p.Affiliation), OrNull(Line(p.Role)), OrNull(Block(p.Bio)),
                    OrNull(EmailAddress.Clean(Line(p.Email))))).ToList(),
            Programme = Programme.Where(Kept)
                .Select(p => new ProgrammeItem(Line(p.Title), OrNull(Line(p.Time)), OrNull(Block(p.Detail)))).ToList(),
        };
        return (spec, errors);
    }

    // A row counts once something that names it is typed; the rest of an otherwise empty row is ignored.
    static bool Kept(TicketRow r) => !r.Remove && (Line(r.Code).Length > 0 || Line(r.Name).Length > 0);
    static bool Kept(CategoryRow r) => Line(r.Code).Length > 0 || Line(r.Name).Length > 0;
    static bool Kept(QuestionRow r) => Line(r.Code).Length > 0 || Line(r.Label).Length > 0;
    static bool Kept(SpeakerRow r) => new[] { r.Name, r.Affiliation, r.Role, r.Bio, r.Email }.Any(v => Line(v).Length > 0);
    static bool Kept(ProgrammeRow r) => new[] { r.Time, r.Title, r.Detail }.Any(v => Line(v).Length > 0);

    /// <summary>The form's field for a name the rules (or <see cref="ToSpec"/>) gave: the spec's n-th row is the n-th row kept.</summary>
    public string FieldOf(string specField)
    {
        if (specField is "startsAt" or "endsAt") return specField == "startsAt" ? "startTime" : "endTime";
        if (RowField(specField) is not { } row) return specField;
        var kept = row.List switch
        {
            "ticketTypes" => KeptRows(TicketTypes, Kept), "categories" => KeptRows(Categories, Kept),
            "questions" => KeptRows(Questions, Kept), "speakers" => KeptRows(Speakers, Kept), _ => KeptRows(Programme, Kept),
        };
        return row.Index < kept.Count ? $"{row.List}[{kept[row.Index]}].{row.Field}" : specField;

        static List<int> KeptRows<T>(List<T> rows, Func<T, bool> kept) =>
            Enumerable.Range(0, rows.Count).Where(i => kept(rows[i])).ToList();
    }

    [GeneratedRegex(@"^(ticketTypes|categories|questions|speakers|programme)\[([0-9]{1,4})\]\.([A-Za-z]+)$")]
    private static partial Regex RowFieldPattern();

    /// <summary>A field of a list's row (<c>ticketTypes[1].capacity</c>), or null for a field of the event.</summary>
    public static (string List, int Index, string Field)? RowField(string field) =>
        RowFieldPattern().Match(field) is { Success: true } m
            ? (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value)
            : null;

    /// <summary>A field's key from its asp-for name: <c>Form.TicketTypes[0].NameEn</c> is <c>ticketTypes[0].nameEn</c>.</summary>
    public static string Key(string modelName) =>
        string.Join('.', modelName.Split('.').Skip(1).Select(part => char.ToLowerInvariant(part[0]) + part[1..]));

    static DateTime? ParseLocal(string? typed, string format, string field, List<FieldError> errors, bool required = false)
    {
        var value = Line(typed);
        if (value.Length == 0)
        {
            if (required) errors.Add(new(field, "error.required"));
            return null;
        }
        // Browsers send seconds when the value had them; accept both.
        if (DateTime.TryParseExact(value, [format, format + ":ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            return parsed;
        errors.Add(new(field, format == TimeFormat ? "adminEvent.error.time" : "adminEvent.error.date"));
        return null;
    }

    /// <summary>Wall-clock time in the event's zone to UTC; a time skipped by a daylight-saving change is an error.</summary>
    static DateTime? ToUtc(DateTime local, TimeZoneInfo zone, string field, List<FieldError> errors)
    {
        if (zone.IsInvalidTime(local)) { errors.Add(new(field, "adminEvent.error.time")); return null; }
        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone);
    }

    static string Format(DateTime value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A one-line value as the rules and the database want it: NFC, trimmed, never null.</summary>
    static string Line(string? value) => Shared.Unicode.NormalizeOrKeep(value ?? "", NormalizationForm.FormC).Trim();

    /// <summary>A multi-line value: the same, with the browser's CRLF as LF.</summary>
    static string Block(string? value) => Line(value?.Replace("\r\n", "\n"));

    static string? OrNull(string value) => value.Length == 0 ? null : value;
}
