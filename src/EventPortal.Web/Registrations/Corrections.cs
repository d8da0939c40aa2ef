using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Outbox;

namespace EventPortal.Web.Registrations;

/// <summary>
/// Correcting a registration's details (APPI's right to correction, 訂正): the registrant from their personal page
/// while their ticket is sold, staff from the console at any time. Name, reading, organisation, category, the two
/// free texts and the answers; staff may also change the address. The same rules as registering check the new
/// values (<see cref="RegistrationValidator"/>); the change, its audit row with every field before and after, and a
/// new invite when the name or address changed (the invite names the attendee) commit together.
/// </summary>
public static class Corrections
{
    public enum Outcome { Done, Unchanged, NotActive, AddressTaken }

    /// <summary>The fields a correction may change, as stored.</summary>
    public sealed class Stored
    {
        public long Id { get; init; }
        public long EventId { get; init; }
        public string Status { get; init; } = "";
        public string FamilyName { get; init; } = "";
        public string GivenName { get; init; } = "";
        public string Reading { get; init; } = "";
        public string Email { get; init; } = "";
        public string Organization { get; init; } = "";
        public string? CategoryCode { get; init; }
        public string Accessibility { get; init; } = "";
        public string Questions { get; init; } = "";
        public string Answers { get; init; } = "{}";
        public string TicketCode { get; init; } = "";
    }

    const string Read = """
        SELECT r.id, r.event_id, r.status, r.family_name, r.given_name, r.reading, r.email, r.organization, r.category_code,
               r.accessibility, r.questions, r.answers, t.code AS ticket_code
        FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE r.id = @id
        """;

    // Names the status it read: a registration cancelled meanwhile is left alone.
    const string Update = """
        UPDATE registrations SET family_name = @FamilyName, given_name = @GivenName, reading = @Reading, email = @Email,
            email_normalized = @EmailNormalized, organization = @Organization, category_code = @Category,
            accessibility = @Accessibility, questions = @Questions, answers = @Answers, updated_at = @now,
            invite_revision = invite_revision + @reinvite
        WHERE id = @id AND status = @status
        """;

    public static async Task<Stored?> FindAsync(Db db, long id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(Read, new { id }, cancellationToken: ct));
    }

    /// <summary>
    /// What was sent, checked as a registration with the same ticket (and, unless <paramref name="email"/> is given by
    /// staff, the same address): errors name the form's fields.
    /// </summary>
    /// <param name="fromForm">The forms' rules and field names (<c>q-{code}</c>); false: the API's (<c>answers.{code}</c>).</param>
    /// <param name="byStaff">Staff's rules (address, reading and category optional, as for a staff entry).</param>
    public static (ValidRegistration? Valid, List<FieldError> Errors) Check(RegistrationInput sent, Stored before, EventDetails details,
        string? email, bool fromForm = true, bool byStaff = false)
    {
        // The address is typed once here, and someone staff entered without one may correct the rest without giving one.
        var address = email ?? before.Email;
        var input = sent with
        {
            Email = address, EmailConfirmation = address.Length > 0 ? address : null, TicketType = before.TicketCode, Consent = true,
        };
        var (valid, errors) = RegistrationValidator.Validate(input, details, fromForm, byStaff,
            addressRequired: !byStaff && before.Email.Length > 0);
        errors.RemoveAll(e => e.Field == "emailConfirmation");
        return (valid, errors);
    }

    /// <summary>Applies <paramref name="after"/> inside one transaction, with its audit row (actor: the organiser, or
    /// <paramref name="actor"/>) and, when the name or address changed, the invite again.</summary>
    public static async Task<Outcome> ApplyAsync(Db db, HttpContext http, long id, ValidRegistration after, DateTime now,
        CancellationToken ct, string? actor = null)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                var before = await c.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(Read, new { id }, tx, cancellationToken: ct));
                if (before is null || before.Status == RegistrationStatus.Cancelled) return Outcome.NotActive;
                var changes = Changes(before, after);
                if (changes.Count == 0) return Outcome.Unchanged;
                var reinvite = changes.Any(ch => ch.Field is "familyName" or "givenName" or "email");
                var updated = await c.ExecuteAsync(new CommandDefinition(Update, new
                {
                    id, now, status = before.Status, reinvite = reinvite ? 1 : 0, after.FamilyName, after.GivenName, after.Reading,
                    after.Email, after.EmailNormalized, after.Organization, after.Category, after.Accessibility, after.Questions,
                    Answers = after.Answers.ToJsonString(Json.Stored),
                }, tx, cancellationToken: ct));
                if (updated == 0) return Outcome.NotActive;
                if (reinvite) await QueueInviteAsync(c, tx, before, now, ct);
                await Admin.Audit.WriteAsync(c, tx, http, "registration.correct", Target(id),
                    string.Join("; ", changes.Select(ch => $"{ch.Field}: {ch.Before} → {ch.After}")), now, ct, actor);
                return Outcome.Done;
            }, ct);
        }
        catch (Exception ex) when (Db.IsUniqueViolation(ex))
        {
            return Outcome.AddressTaken;   // another active registration of the event has the new address
        }
    }

    public static string Target(long id) => "registration:" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The registration's confirmation (or waitlist, or address) mail again, with its new invite; one per change.</summary>
    static async Task QueueInviteAsync(DbConnection c, DbTransaction tx, Stored before, DateTime now, CancellationToken ct)
    {
        var revision = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT invite_revision FROM registrations WHERE id = @Id", new { before.Id }, tx, cancellationToken: ct));
        await OutboxRows.EnqueueAsync(c, tx, OutboxRows.Kinds.Resent,
            $"correct:{before.Id}:{revision.ToString(CultureInfo.InvariantCulture)}", before.EventId, before.Id, now, ct);
    }

    /// <summary>A value as the audit row quotes it: long free texts shortened (whole characters), so every field fits.</summary>
    static string Short(string value) =>
        value.Length <= 200 ? value : value[..(char.IsHighSurrogate(value[199]) ? 199 : 200)] + "…";

    /// <summary>Each field that differs, before and after (answers by question code).</summary>
    public static List<(string Field, string Before, string After)> Changes(Stored before, ValidRegistration after)
    {
        var list = new List<(string, string, string)>();
        void Compare(string field, string? was, string? now)
        {
            if ((was ?? "") != (now ?? "")) list.Add((field, Short(was ?? ""), Short(now ?? "")));
        }
        Compare("familyName", before.FamilyName, after.FamilyName);
        Compare("givenName", before.GivenName, after.GivenName);
        Compare("reading", before.Reading, after.Reading);
        Compare("email", before.Email, after.Email);
        Compare("organization", before.Organization, after.Organization);
        Compare("category", before.CategoryCode, after.Category);
        Compare("accessibility", before.Accessibility, after.Accessibility);
        Compare("questions", before.Questions, after.Questions);
        var was = JsonNode.Parse(before.Answers) as JsonObject ?? [];
        foreach (var code in was.Select(p => p.Key).Union(after.Answers.Select(p => p.Key)).Distinct())
            Compare("answers." + code, was[code]?.ToJsonString(Json.Stored), after.Answers[code]?.ToJsonString(Json.Stored));
        return list;
    }
}

/// <summary>
/// What <c>Registrations/_DetailsFields.cshtml</c> draws: a registration's correctable fields, filled with
/// <paramref name="Input"/>; the address only for staff (<paramref name="WithEmail"/>).
/// </summary>
public sealed record DetailsFields(RegistrationInput Input, EventDetails Details, string TicketCode, IReadOnlyList<FieldError> Errors,
    bool WithEmail)
{
    public string? ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field) is { } e ? Shared.Problems.Message(e) : null;

    /// <summary>The label of a field in the error summary: a custom question's own, or the form's.</summary>
    public string Label(string field, string language) =>
        Details.Questions.FirstOrDefault(q => RegistrationValidator.AnswerField(q.Code, fromForm: true) == field)?.Label(language)
            ?? Localization.Text.Get("field." + field, language);

    /// <summary>The form as the stored registration fills it.</summary>
    public static RegistrationInput From(Corrections.Stored r) => new()
    {
        FamilyName = r.FamilyName, GivenName = r.GivenName, Reading = r.Reading, Email = r.Email, Organization = r.Organization,
        Category = r.CategoryCode, Accessibility = r.Accessibility, Questions = r.Questions,
        Answers = RegistrationAnswers.Parse(r.Answers).ToDictionary(a => a.Key, a => RegistrationAnswers.Values(a.Value)),
    };
}
