using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

/// <summary>
/// The admin API's event body, read by hand: every property that is present is applied onto a
/// spec (a blank one for a create, the stored one for a PATCH), and every wrong type gets an
/// error naming the property (<c>startsAt</c>, <c>ticketTypes[1].capacity</c>). Ticket types in a
/// PATCH are merged by code: listed ones are changed (only the properties given), new codes are
/// added, <c>"remove": true</c> removes one. Categories and questions, when given, replace the list.
/// </summary>
public static partial class EventsAdminJson
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoWithOffset();

    public static (EventSpec Spec, List<FieldError> Errors) Apply(JsonElement root, EventSpec spec, bool isNew)
    {
        var errors = new List<FieldError>();
        var r = new Reader(root, errors);
        if (r.String("slug") is { } slug)
        {
            if (isNew) spec = spec with { Slug = slug };
            else if (slug != spec.Slug) errors.Add(new("slug", "adminEvent.error.slugFixed"));
        }
        spec = spec with
        {
            Title = r.String("title") ?? spec.Title,
            Summary = r.String("summary", multiline: true) ?? spec.Summary,
            Description = r.String("description", multiline: true) ?? spec.Description,
            StartsAt = r.Time("startsAt") ?? spec.StartsAt,
            EndsAt = r.Time("endsAt") ?? spec.EndsAt,
            TimeZone = r.String("timeZone") ?? spec.TimeZone,
            DoorsOpenMinutes = r.Integer("doorsOpenMinutes") ?? spec.DoorsOpenMinutes,
            Language = r.String("language") ?? spec.Language,
            Venue = r.String("venue") ?? spec.Venue,
            // The properties' earlier spelling ("organizer…") is still read, so existing integrations keep working.
            OrganiserName = r.String("organiserName") ?? r.String("organizerName") ?? spec.OrganiserName,
            OrganiserEmail = (r.String("organiserEmail") ?? r.String("organizerEmail")) is { } email
                ? EmailAddress.Clean(email) : spec.OrganiserEmail,
            Contact = r.String("contact", multiline: true) ?? spec.Contact,
            ConsentPurpose = r.String("consentPurpose", multiline: true) ?? spec.ConsentPurpose,
            MeetingProvider = r.String("meetingProvider") ?? spec.MeetingProvider,
            MeetingUrl = r.Has("meetingUrl") ? r.String("meetingUrl") : spec.MeetingUrl,
            Programme = r.List("programme", o => new ProgrammeItem(
                o.String("title") ?? "", o.String("time"), o.String("detail", multiline: true))) ?? spec.Programme,
            Speakers = r.List("speakers", o => new SpeakerSpec(
                o.String("name") ?? "", o.String("affiliation") ?? "", o.String("role"), o.String("bio", multiline: true),
                o.String("email") is { Length: > 0 } address ? EmailAddress.Clean(address) : null))
                ?? spec.Speakers,
            Categories = r.List("categories", o => new CategorySpec(
                o.String("code") ?? "", o.String("name") ?? "", o.String("nameEn") ?? "", o.Prefix)) ?? spec.Categories,
            Questions = r.List("questions", ReadQuestion) ?? spec.Questions,
        };
        if (r.List("ticketTypes", o => o) is { } given)
        {
            var tickets = spec.TicketTypes.Select(t => t with { Field = $"ticketTypes[{t.Code}]." }).ToList();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var o in given)
            {
                var code = o.String("code") ?? "";
                if (code.Length > 0 && !seen.Add(code)) { errors.Add(new(o.Prefix + "code", "adminEvent.error.duplicateCode")); continue; }
                var index = tickets.FindIndex(t => t.Code == code && code.Length > 0);
                if (o.Bool("remove") == true) { if (index >= 0) tickets.RemoveAt(index); continue; }
                var t = index >= 0 ? tickets[index] : new TicketSpec(code, "", "", null, false);
                t = t with
                {
                    NameJa = o.String("name") ?? t.NameJa,
                    NameEn = o.String("nameEn") ?? t.NameEn,
                    Capacity = o.Has("capacity") ? o.Integer("capacity") : t.Capacity,
                    Waitlist = o.Bool("waitlist") ?? t.Waitlist,
                    ConfirmAddress = o.Bool("confirmAddress") ?? t.ConfirmAddress,
                    Kind = o.String("kind") ?? t.Kind,
                    SalesStart = o.Has("salesStart") ? o.Time("salesStart") : t.SalesStart,
                    SalesEnd = o.Has("salesEnd") ? o.Time("salesEnd") : t.SalesEnd,
                    Field = o.Prefix,
                };
                if (index >= 0) tickets[index] = t; else tickets.Add(t);
            }
            spec = spec with { TicketTypes = tickets };
        }
        return (spec, errors);
    }

    /// <summary>Reads properties of one JSON object; <see cref="Prefix"/> is how errors name it
    /// (<c>""</c> or <c>ticketTypes[0].</c>).</summary>
    /// <summary>
    /// A question: <c>code</c>, <c>kind</c>, <c>label</c>/<c>labelEn</c>, <c>help</c>/<c>helpEn</c>, <c>required</c>,
    /// <c>options</c> (objects with <c>label</c>/<c>labelEn</c>), <c>min</c>/<c>max</c>, <c>tickets</c> and <c>requiredTickets</c>
    /// (arrays of ticket codes; absent or empty: every ticket).
    /// </summary>
    static QuestionSpec ReadQuestion(Reader o) =>
        new(o.String("code") ?? "", o.String("label") ?? "", o.String("labelEn") ?? "", o.Bool("required") ?? false, o.Prefix)
        {
            Kind = o.String("kind") ?? QuestionType.Text,
            HelpJa = o.String("help", multiline: true) ?? "",
            HelpEn = o.String("helpEn", multiline: true) ?? "",
            Options = o.List("options", x => new ChoiceOption(x.String("label") ?? "", x.String("labelEn") ?? "")) ?? [],
            MinValue = o.Long("min"),
            MaxValue = o.Long("max"),
            Tickets = string.Join(",", o.Strings("tickets") ?? []),
            RequiredTickets = string.Join(",", o.Strings("requiredTickets") ?? []),
        };

    sealed class Reader(JsonElement element, List<FieldError> errors, string prefix = "")
    {
        public string Prefix => prefix;

        public bool Has(string name) => element.TryGetProperty(name, out _);

        JsonElement? Get(string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        public string? String(string name, bool multiline = false)
        {
            if (Get(name) is not { } value) return null;
            if (value.ValueKind != JsonValueKind.String) { errors.Add(new(prefix + name, "error.mustBeString")); return null; }
            string? text;
            try { text = value.GetString(); }
            catch (InvalidOperationException) { errors.Add(new(prefix + name, "error.badCharacters")); return null; } // lone surrogate
            text = Shared.Unicode.NormalizeOrKeep(multiline ? text!.Replace("\r\n", "\n") : text!, NormalizationForm.FormC).Trim();
            return text;
        }

        public int? Integer(string name)
        {
            if (Get(name) is not { } value) return null;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)) return n;
            errors.Add(new(prefix + name, "adminEvent.error.mustBeInteger"));
            return null;
        }

        public bool? Bool(string name)
        {
            if (Get(name) is not { } value) return null;
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
            errors.Add(new(prefix + name, "error.mustBeBoolean"));
            return null;
        }

        /// <summary>An ISO 8601 time with an offset (<c>2027-03-06T12:00:00+09:00</c>), as UTC.</summary>
        public DateTime? Time(string name)
        {
            if (String(name) is not { } text) return null;
            if (IsoWithOffset().IsMatch(text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
                return at.UtcDateTime;
            errors.Add(new(prefix + name, "adminEvent.error.dateTime"));
            return null;
        }

        /// <summary>An array of strings (ticket codes); null when absent.</summary>
        public IReadOnlyList<string>? Strings(string name)
        {
            if (Get(name) is not { } value) return null;
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 100
                || value.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                errors.Add(new(prefix + name, "adminEvent.error.mustBeStrings"));
                return null;
            }
            return value.EnumerateArray().Select(x => x.GetString()?.Trim() ?? "").ToList();
        }

        public long? Long(string name)
        {
            if (Get(name) is not { } value) return null;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n)) return n;
            errors.Add(new(prefix + name, "adminEvent.error.mustBeInteger"));
            return null;
        }

        /// <summary>An array of objects, each read by <paramref name="read"/>; null when absent or of the wrong shape.</summary>
        public List<T>? List<T>(string name, Func<Reader, T> read)
        {
            if (!element.TryGetProperty(name, out var value)) return null;
            if (value.ValueKind != JsonValueKind.Array) { errors.Add(new(prefix + name, "adminEvent.error.mustBeArray")); return null; }
            if (value.GetArrayLength() > 100) { errors.Add(new(prefix + name, "error.tooMany", 100)); return null; }
            var list = new List<T>();
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPrefix = $"{prefix}{name}[{i++}].";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new(itemPrefix.TrimEnd('.'), "adminEvent.error.mustBeObject"));
                    continue;
                }
                list.Add(read(new Reader(item, errors, itemPrefix)));
            }
            return list;
        }
    }
}
