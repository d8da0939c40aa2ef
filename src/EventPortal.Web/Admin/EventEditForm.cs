using System.Globalization;
using System.Text;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

/// <summary>
/// The event form of the console as flat form fields, both ways: an <see cref="EventSpec"/> shown
/// as field values (times as wall-clock in the event's zone), and posted values read back into
/// a spec, with each problem named by the form field it belongs to. Rows (ticket types,
/// categories, questions, speakers, programme) are numbered fields: <c>t0-code</c>, <c>c1-name</c>…
/// </summary>
public sealed class EventEditForm
{
    public const int BlankRows = 2, MaxRows = 60;
    public const string DateFormat = "yyyy-MM-dd", TimeFormat = "HH:mm", DateTimeFormat = "yyyy-MM-dd'T'HH:mm";

    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    /// <summary>Rows per list: t(ickets), c(ategories), q(uestions), s(peakers), p(rogramme).</summary>
    public Dictionary<char, int> Rows { get; } = new() { ['t'] = BlankRows, ['c'] = BlankRows, ['q'] = BlankRows, ['s'] = BlankRows, ['p'] = BlankRows };
    /// <summary>Codes of ticket types already stored: their code cannot change, they may be removed.</summary>
    public HashSet<string> StoredTickets { get; } = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _apiToForm = new(StringComparer.Ordinal) { ["startsAt"] = "startTime", ["endsAt"] = "endTime" };

    public string this[string name] => Values.GetValueOrDefault(name) ?? "";

    public static EventEditForm FromSpec(EventSpec s)
    {
        var form = new EventEditForm();
        var v = form.Values;
        var start = EventTime.Local(s.StartsAt, s.TimeZone);
        (v["slug"], v["title"], v["summary"], v["description"], v["timeZone"]) = (s.Slug, s.Title, s.Summary, s.Description, s.TimeZone);
        (v["date"], v["startTime"], v["endTime"]) = (Format(start, DateFormat), Format(start, TimeFormat), Format(EventTime.Local(s.EndsAt, s.TimeZone), TimeFormat));
        v["doorsOpenMinutes"] = s.DoorsOpenMinutes.ToString(CultureInfo.InvariantCulture);
        (v["venue"], v["organizerName"], v["organizerEmail"], v["contact"]) = (s.Venue, s.OrganizerName, s.OrganizerEmail, s.Contact);
        (v["consentPurpose"], v["meetingUrl"], v["meetingProvider"]) = (s.ConsentPurpose, s.MeetingUrl ?? "", s.MeetingProvider);
        for (var i = 0; i < s.TicketTypes.Count; i++)
        {
            var t = s.TicketTypes[i];
            form.StoredTickets.Add(t.Code);
            (v[$"t{i}-code"], v[$"t{i}-name"], v[$"t{i}-nameEn"], v[$"t{i}-kind"]) = (t.Code, t.NameJa, t.NameEn, t.Kind);
            v[$"t{i}-capacity"] = t.Capacity?.ToString(CultureInfo.InvariantCulture) ?? "";
            v[$"t{i}-waitlist"] = t.Waitlist ? "yes" : "";
            v[$"t{i}-salesStart"] = t.SalesStart is { } from ? Format(EventTime.Local(from, s.TimeZone), DateTimeFormat) : "";
            v[$"t{i}-salesEnd"] = t.SalesEnd is { } until ? Format(EventTime.Local(until, s.TimeZone), DateTimeFormat) : "";
        }
        for (var i = 0; i < s.Categories.Count; i++)
            (v[$"c{i}-code"], v[$"c{i}-name"], v[$"c{i}-nameEn"]) = (s.Categories[i].Code, s.Categories[i].NameJa, s.Categories[i].NameEn);
        for (var i = 0; i < s.Questions.Count; i++)
        {
            var q = s.Questions[i];
            (v[$"q{i}-code"], v[$"q{i}-label"], v[$"q{i}-labelEn"], v[$"q{i}-required"]) = (q.Code, q.LabelJa, q.LabelEn, q.Required ? "yes" : "");
        }
        for (var i = 0; i < s.Speakers.Count; i++)
        {
            var p = s.Speakers[i];
            (v[$"s{i}-name"], v[$"s{i}-affiliation"], v[$"s{i}-role"], v[$"s{i}-bio"]) = (p.Name, p.Affiliation, p.Role ?? "", p.Bio ?? "");
        }
        for (var i = 0; i < s.Programme.Count; i++)
            (v[$"p{i}-time"], v[$"p{i}-title"], v[$"p{i}-detail"]) = (s.Programme[i].Time ?? "", s.Programme[i].Title, s.Programme[i].Detail ?? "");
        (form.Rows['t'], form.Rows['c'], form.Rows['q']) = (s.TicketTypes.Count + BlankRows, s.Categories.Count + BlankRows, s.Questions.Count + BlankRows);
        (form.Rows['s'], form.Rows['p']) = (s.Speakers.Count + BlankRows, s.Programme.Count + BlankRows);
        return form;
    }

    /// <summary>
    /// Reads a posted form onto <paramref name="existing"/> (or a new event): the spec to check and
    /// store, and the problems found while reading (dates, numbers). Typed values are kept for redisplay.
    /// </summary>
    public static (EventEditForm Form, EventSpec Spec, List<FieldError> Errors) Read(IFormCollection posted, EventSpec? existing)
    {
        var form = new EventEditForm();
        var errors = new List<FieldError>();
        foreach (var (key, value) in posted)
            if (key != "__RequestVerificationToken") form.Values[key] = Clean(value.ToString(), multiline: key is "description" or "summary" or "contact" or "consentPurpose" || key.EndsWith("-bio") || key.EndsWith("-detail"));
        foreach (var list in form.Rows.Keys.ToList())
            form.Rows[list] = int.TryParse(form["rows-" + list], out var n) ? Math.Clamp(n, 0, MaxRows) : BlankRows;
        foreach (var t in existing?.TicketTypes ?? []) form.StoredTickets.Add(t.Code);

        var zoneId = form["timeZone"].Length > 0 ? form["timeZone"] : "Asia/Tokyo";
        var zone = EventSpecRules.IsTimeZone(zoneId) ? EventTime.Zone(zoneId) : TimeZoneInfo.Utc;
        var date = ParseLocal(form["date"], DateFormat, "date", errors, required: true);
        var startTime = ParseLocal(form["startTime"], TimeFormat, "startTime", errors, required: true);
        var endTime = ParseLocal(form["endTime"], TimeFormat, "endTime", errors, required: true);
        DateTime At(DateTime? day, DateTime? time, string field) =>
            day is { } d && time is { } t ? ToUtc(d.Date + t.TimeOfDay, zone, field, errors) ?? default : default;
        // The form shows minutes; a stored time with seconds (from the API) stays as it is unless its fields were changed.
        var shown = existing is null ? null : FromSpec(existing);
        bool Unchanged(params string[] fields) => shown is not null && fields.All(f => shown[f] == form[f]);

        var tickets = new List<TicketSpec>();
        for (var i = 0; i < form.Rows['t']; i++)
        {
            var (code, name) = (form[$"t{i}-code"], form[$"t{i}-name"]);
            if (form[$"t{i}-remove"] == "yes" && form.StoredTickets.Contains(code)) continue;
            if (code.Length == 0 && name.Length == 0) continue;
            int? capacity = null;
            if (form[$"t{i}-capacity"] is { Length: > 0 } typed)
            {
                if (int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c <= EventSpecRules.CapacityMax) capacity = c;
                else errors.Add(new($"t{i}-capacity", "adminEvent.error.range", 0, EventSpecRules.CapacityMax));
            }
            var salesStart = ParseLocal(form[$"t{i}-salesStart"], DateTimeFormat, $"t{i}-salesStart", errors) is { } s ? ToUtc(s, zone, $"t{i}-salesStart", errors) : null;
            var salesEnd = ParseLocal(form[$"t{i}-salesEnd"], DateTimeFormat, $"t{i}-salesEnd", errors) is { } e ? ToUtc(e, zone, $"t{i}-salesEnd", errors) : null;
            if (existing?.TicketTypes.FirstOrDefault(t => t.Code == code) is { } stored && Unchanged("timeZone", $"t{i}-code"))
            {
                if (Unchanged($"t{i}-salesStart")) salesStart = stored.SalesStart;
                if (Unchanged($"t{i}-salesEnd")) salesEnd = stored.SalesEnd;
            }
            tickets.Add(new TicketSpec(code, name, form[$"t{i}-nameEn"], capacity, form[$"t{i}-waitlist"] == "yes",
                form[$"t{i}-kind"] is { Length: > 0 } kind ? kind : "live", salesStart, salesEnd, $"t{i}-"));
        }
        var categories = RowsOf(form, 'c', ["code", "name"], i => new CategorySpec(form[$"c{i}-code"], form[$"c{i}-name"], form[$"c{i}-nameEn"], $"c{i}-"));
        var questions = RowsOf(form, 'q', ["code", "label"], i => new QuestionSpec(form[$"q{i}-code"], form[$"q{i}-label"], form[$"q{i}-labelEn"], form[$"q{i}-required"] == "yes", $"q{i}-"));
        var speakers = RowsOf(form, 's', ["name", "affiliation", "role", "bio"], i => (i, new Speaker(form[$"s{i}-name"], form[$"s{i}-affiliation"], Null(form[$"s{i}-role"]), Null(form[$"s{i}-bio"]))));
        var programme = RowsOf(form, 'p', ["time", "title", "detail"], i => (i, new ProgrammeItem(form[$"p{i}-title"], Null(form[$"p{i}-time"]), Null(form[$"p{i}-detail"]))));
        for (var n = 0; n < speakers.Count; n++) form.MapRow($"speakers[{n}].", $"s{speakers[n].i}-");
        for (var n = 0; n < programme.Count; n++) form.MapRow($"programme[{n}].", $"p{programme[n].i}-");

        var doors = 0;
        if (form["doorsOpenMinutes"] is { Length: > 0 } minutes && !int.TryParse(minutes, NumberStyles.None, CultureInfo.InvariantCulture, out doors))
            errors.Add(new("doorsOpenMinutes", "adminEvent.error.range", 0, EventSpecRules.DoorsOpenMax));
        var spec = (existing ?? new EventSpec()) with
        {
            Slug = existing?.Slug ?? form["slug"].ToLowerInvariant(),
            Title = form["title"], Summary = form["summary"], Description = form["description"],
            TimeZone = zoneId,
            StartsAt = Unchanged("timeZone", "date", "startTime") ? existing!.StartsAt : At(date, startTime, "startTime"),
            EndsAt = Unchanged("timeZone", "date", "endTime") ? existing!.EndsAt : At(date, endTime, "endTime"),
            DoorsOpenMinutes = doors, Venue = form["venue"], OrganizerName = form["organizerName"],
            OrganizerEmail = EmailAddress.Clean(form["organizerEmail"]), Contact = form["contact"], ConsentPurpose = form["consentPurpose"],
            MeetingUrl = Null(form["meetingUrl"]),
            MeetingProvider = form["meetingProvider"] is { Length: > 0 } provider ? provider : existing?.MeetingProvider ?? "Manual",
            TicketTypes = tickets, Categories = categories, Questions = questions,
            Speakers = speakers.Select(x => x.Item2).ToList(), Programme = programme.Select(x => x.Item2).ToList(),
        };
        return (form, spec, errors);
    }

    /// <summary>The form field an error of the shared rules (named the API's way) belongs to.</summary>
    public string FormField(string apiField)
    {
        foreach (var (api, field) in _apiToForm)
            if (apiField == api || (api.EndsWith('.') && apiField.StartsWith(api, StringComparison.Ordinal)))
                return api.EndsWith('.') ? field + apiField[api.Length..] : field;
        return apiField;
    }

    void MapRow(string apiPrefix, string formPrefix) => _apiToForm[apiPrefix] = formPrefix;

    /// <summary>The non-blank rows of a list, in order.</summary>
    static List<T> RowsOf<T>(EventEditForm form, char list, string[] fields, Func<int, T> make)
    {
        var rows = new List<T>();
        for (var i = 0; i < form.Rows[list]; i++)
            if (fields.Any(f => form[$"{list}{i}-{f}"].Length > 0)) rows.Add(make(i));
        return rows;
    }

    static DateTime? ParseLocal(string value, string format, string field, List<FieldError> errors, bool required = false)
    {
        if (value.Length == 0)
        {
            if (required) errors.Add(new(field, "error.required"));
            return null;
        }
        // Browsers send seconds when the value had them; accept both.
        if (DateTime.TryParseExact(value, [format, format + ":ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return parsed;
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

    static string Clean(string value, bool multiline) =>
        Shared.Unicode.NormalizeOrKeep(multiline ? value.Replace("\r\n", "\n") : value, NormalizationForm.FormC).Trim();

    static string? Null(string value) => value.Length == 0 ? null : value;
}
