using System.Text;
using System.Text.Json.Nodes;

namespace EventPortal.Tests.Proof;

/// <summary>
/// The targets of what happens after the doors close: attendance (the page, bulk marks, the CSV import,
/// the threshold, the admin API), the mail rules' own fields and text page, and the survey's builder and results.
/// </summary>
public sealed partial class GeneratedHostileInput
{
    static IEnumerable<ConsoleTarget> FollowUpTargets(ConsoleScene s)
    {
        var ev = $"/admin/events/{s.Slug}";

        // Attendance.
        const string Att = "/Admin/AttendancePage";
        yield return new("attendance done", $"{Att} GET ", (_, v) => Get($"{ev}/attendance?done={Query(v)}"), ReadOnly: true);
        yield return new("attendance slug", $"{Att} GET ", (_, v) => Get($"/admin/events/{Segment(v)}/attendance"), ReadOnly: true);
        yield return new("attendance threshold", $"{Att} POST threshold",
            (w, v) => w.Form($"{ev}/attendance/threshold", new() { ["minutes"] = v }));
        yield return new("attendance report slug", $"{Att} POST report",
            (w, v) => w.Form($"/admin/events/{Segment(v)}/attendance/report", []));
        yield return new("attendance import marks", $"{Att} POST import",
            (w, v) => w.Form($"{ev}/attendance/import", new() { ["apply"] = "1", ["marks"] = v }));
        yield return new("attendance import file missing", $"{Att} POST import",
            (w, v) => w.Form($"{ev}/attendance/import", new() { ["apply"] = v }));
        var mark = new Dictionary<string, string> { ["scope"] = "ticked", ["mark"] = "yes", ["id"] = s.RegistrationId.ToString() };
        yield return new("attendance mark", $"{Att} POST mark", (w, v) => w.Form($"{ev}/attendance/mark", With(mark, "mark", v)),
            Allowed: OneOf("yes", "no", "unknown"));
        yield return new("attendance mark id", $"{Att} POST mark", (w, v) => w.Form($"{ev}/attendance/mark", With(mark, "id", v)));
        yield return new("attendance mark scope", $"{Att} POST mark",
            (w, v) => w.Form($"{ev}/attendance/mark", With(With(mark, "scope", v), "q", v)));
        yield return new("api attendance body", $"PUT /api/admin/events/{{slug}}/attendance",
            (_, v) => ApiRaw(HttpMethod.Put, $"/api/admin/events/{s.Slug}/attendance", Encoding.UTF8.GetBytes(v)));
        yield return new("api attendance id", $"PUT /api/admin/events/{{slug}}/attendance", (_, v) => ApiRaw(HttpMethod.Put,
            $"/api/admin/events/{s.Slug}/attendance", Encoding.UTF8.GetBytes($"[{{\"id\":{JsonLiteral(v)},\"attended\":true}}]")));
        yield return new("api attendance mark", $"PUT /api/admin/events/{{slug}}/attendance", (_, v) => ApiRaw(HttpMethod.Put,
            $"/api/admin/events/{s.Slug}/attendance",
            Encoding.UTF8.GetBytes($"[{{\"id\":{s.RegistrationId},\"attended\":{JsonLiteral(v)}}}]")));

        // The mail rules' new fields on the mail page, and a rule's own text page.
        var rules = new Dictionary<string, string>
        {
            ["amount0"] = "1", ["unit0"] = "days", ["direction0"] = "before", ["audience0"] = "all", ["anchor0"] = "start",
            ["attendance0"] = "any", ["category0"] = "", ["id0"] = s.RuleId.ToString(), ["status0"] = "confirmed",
        };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("anchor0", OneOf("start", "end")), ("attendance0", OneOf("any", "attended", "absent", "unknown", "not_attended")),
              ("category0", CategoryOrAny),
              ("id0", null), ("status0", OneOf("confirmed")) })
            yield return new($"mail rules {field}", "/Admin/EventMailPage POST rules",
                (w, v) => w.Form($"{ev}/mail/rules", With(rules, field, v)), Allowed: allowed);
        const string Rule = "/Admin/MailRulePage";
        var text = new Dictionary<string, string> { ["subjectJa"] = "件名", ["bodyJa"] = "{{name}} 様", ["subjectEn"] = "", ["bodyEn"] = "" };
        foreach (var field in text.Keys.Append("late"))
        {
            yield return new($"mail rule preview {field}", $"{Rule} POST ",
                (w, v) => w.Form($"{ev}/mail/rule/{s.RuleId}", With(text, field, v)), ReadOnly: true);
            yield return new($"mail rule save {field}", $"{Rule} POST ",
                (w, v) => w.Form($"{ev}/mail/rule/{s.RuleId}", With(With(text, "save", "yes"), field, v)));
        }
        yield return new("mail rule id", $"{Rule} GET ", (_, v) => Get($"{ev}/mail/rule/{Segment(v)}"), ReadOnly: true);

        // A one-off message scheduled for later.
        yield return new("mail message sendAt", "/Admin/EventMailPage POST message", (w, v) => w.Form($"{ev}/mail/message",
            new() { ["subject"] = "お知らせ", ["body"] = "本文です。", ["send"] = "yes", ["sendAt"] = v }));

        // The survey: its builder, state, copy, and results.
        const string Survey = "/Admin/SurveyPage";
        var survey = new Dictionary<string, string>
        {
            ["introJa"] = "ご協力ください", ["kind0"] = "single", ["labelJa0"] = "満足度", ["options0"] = "はい\nいいえ", ["required0"] = "yes",
            ["anonymous"] = "",
        };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("introJa", null), ("kind0", OneOf("single", "multiple", "scale", "text")), ("labelJa0", null), ("labelEn0", null),
              ("options0", null), ("required0", null), ("anonymous", null), ("id0", null) })
            yield return new($"survey save {field}", $"{Survey} POST save", (w, v) => w.Form($"{ev}/survey/save", With(survey, field, v)),
                Allowed: allowed);
        yield return new("survey status", $"{Survey} POST status", (w, v) => w.Form($"{ev}/survey/status", new() { ["status"] = v }),
            Allowed: OneOf("draft", "open", "closed"));
        yield return new("survey copy", $"{Survey} POST copy", (w, v) => w.Form($"{ev}/survey/copy", new() { ["from"] = v }),
            Allowed: _ => false);
        yield return new("survey done", $"{Survey} GET ", (_, v) => Get($"{ev}/survey?done={Query(v)}"), ReadOnly: true);
        yield return new("survey results slug", "/Admin/SurveyResultsPage GET ",
            (_, v) => Get($"/admin/events/{Segment(v)}/survey-results"), ReadOnly: true);
        yield return new("survey results csv", "/Admin/SurveyResultsPage GET csv",
            (_, v) => Get($"/admin/events/{Segment(v)}/survey-results/csv"), ReadOnly: true, Audited: true);

        // Staff entries: every field of the form (a closed set refused outside it), the slug.
        const string Entry = "/Admin/StaffEntryPage";
        var entry = new Dictionary<string, string>
        {
            ["channel"] = "phone", ["familyName"] = "電話", ["givenName"] = "花子", ["reading"] = "", ["email"] = "",
            ["organization"] = "窓口課", ["category"] = "", ["ticketType"] = "live", ["accessibility"] = "", ["questions"] = "",
            ["q-q1"] = "", ["language"] = "ja", ["consent"] = "yes",
        };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("channel", OneOf("phone", "fax", "counter", "other")), ("familyName", null), ("givenName", null), ("reading", null),
              ("email", null), ("organization", null), ("category", CategoryOrAny), ("ticketType", OneOf("live", "recording")),
              ("accessibility", null), ("questions", null), ("q-q1", null), ("language", OneOf("ja", "en")), ("consent", OneOf("yes")) })
            yield return new($"staff entry {field}", $"{Entry} POST ", (w, v) => w.Form($"{ev}/registrations/new",
                With(With(entry, "entryKey", Guid.NewGuid().ToString("N")), field, v)), Allowed: allowed);
        yield return new("staff entry key", $"{Entry} POST ", (w, v) => w.Form($"{ev}/registrations/new", With(entry, "entryKey", v)));
        yield return new("staff entry slug", $"{Entry} GET ", (_, v) => Get($"/admin/events/{Segment(v)}/registrations/new"),
            ReadOnly: true);

        // The registration import: the file's text in a row, as the whole file, and the apply step's own fields.
        const string Import = "/Admin/RegistrationImportPage";
        string Csv(string v) => $"姓,名,所属,チケット,参加経験\r\n{v},花子,{v},live,{v}\r\n";
        yield return new("import check row", $"{Import} POST check", (w, v) => Upload(w, $"{ev}/registrations/import/check", Csv(v)),
            ReadOnly: true);
        yield return new("import check file", $"{Import} POST check", (w, v) => Upload(w, $"{ev}/registrations/import/check", v),
            ReadOnly: true);
        yield return new("import apply row", $"{Import} POST apply",
            (w, v) => w.Form($"{ev}/registrations/import/apply", new() { ["csv"] = Csv(v), ["consent"] = "yes" }));
        yield return new("import apply file", $"{Import} POST apply",
            (w, v) => w.Form($"{ev}/registrations/import/apply", new() { ["csv"] = v, ["consent"] = "yes" }));
        yield return new("import apply consent", $"{Import} POST apply", (w, v) => w.Form($"{ev}/registrations/import/apply",
            new() { ["csv"] = Csv("輸入"), ["consent"] = v }), Allowed: OneOf("yes"));
        yield return new("import slug", $"{Import} GET ", (_, v) => Get($"/admin/events/{Segment(v)}/registrations/import"),
            ReadOnly: true);

        // The moderator's questions for the speakers: its filter, its two switches, the slug.
        const string Questions = "/Admin/SpeakerQuestionsPage GET ";
        yield return new("speaker questions slug", Questions, (_, v) => Get($"/admin/events/{Segment(v)}/questions"), ReadOnly: true);
        yield return new("speaker questions category", Questions, (_, v) => Get($"{ev}/questions?category={Query(v)}"), ReadOnly: true);
        yield return new("speaker questions switches", Questions,
            (_, v) => Get($"{ev}/questions?anonymous={Query(v)}&print={Query(v)}"), ReadOnly: true);
    }

    /// <summary>A file upload as the browser sends it (multipart, with the worker's anti-forgery token).</summary>
    static HttpRequestMessage Upload(Worker w, string path, string file) => new(HttpMethod.Post, path)
    {
        Content = new MultipartFormDataContent
        {
            { new StringContent(w.Token), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(file)), "file", "invitees.csv" },
        },
    };
}
