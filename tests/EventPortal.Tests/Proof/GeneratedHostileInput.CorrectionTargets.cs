namespace EventPortal.Tests.Proof;

/// <summary>The targets of corrections: the console's edit page for one registration (every field, the id, the slug).</summary>
public sealed partial class GeneratedHostileInput
{
    /// <summary>A valid correction, as the details forms send it; each target replaces one field.</summary>
    static readonly Dictionary<string, string> CorrectionFields = new()
    {
        ["familyName"] = "山田", ["givenName"] = "花子", ["reading"] = "ヤマダ ハナコ", ["organization"] = "テスト市役所",
        ["category"] = "municipal", ["accessibility"] = "", ["questions"] = "",
    };

    /// <summary>A staff entry's body, open for one more property and its closing brace.</summary>
    const string StaffEntry =
        """{"familyName":"電話","givenName":"花子","organization":"町","ticketType":"recording","consent":true,""";

    static IEnumerable<ConsoleTarget> CorrectionTargets(ConsoleScene s)
    {
        const string Page = "/Admin/RegistrationEditPage";
        var edit = $"/admin/events/{s.Slug}/registrations/{s.RegistrationId}/edit";
        var fields = new Dictionary<string, string>(CorrectionFields) { ["email"] = "edit-target@example.jp" };
        foreach (var field in fields.Keys)
            yield return new($"correction {field}", $"{Page} POST ", (w, v) => w.Form(edit, With(fields, field, v)),
                Allowed: field == "category" ? CategoryOrAny : null);
        yield return new("correction id", $"{Page} POST ",
            (w, v) => w.Form($"/admin/events/{s.Slug}/registrations/{Segment(v)}/edit", fields), Allowed: Id(s.RegistrationId));
        yield return new("correction slug", $"{Page} POST ",
            (w, v) => w.Form($"/admin/events/{Segment(v)}/registrations/{s.RegistrationId}/edit", fields));
        yield return new("correction GET id", $"{Page} GET ",
            (_, v) => Get($"/admin/events/{s.Slug}/registrations/{Segment(v)}/edit"), ReadOnly: true);

        // The admin API's writes to one registration: a correction (each field, the raw body, the id) and a cancellation.
        var api = $"/api/admin/events/{s.Slug}/registrations";
        const string Patch = "PATCH /api/admin/events/{slug}/registrations/{id:long}";
        foreach (var field in new[] { "familyName", "reading", "email", "organization", "category", "answers" })
            yield return new($"api correction {field}", Patch, (_, v) => ApiRaw(HttpMethod.Patch, $"{api}/{s.RegistrationId}",
                System.Text.Encoding.UTF8.GetBytes($"{{\"{field}\":{JsonLiteral(v)}}}")),
                Allowed: field == "category" ? CategoryOrAny : null);
        yield return new("api correction body", Patch,
            (_, v) => ApiRaw(HttpMethod.Patch, $"{api}/{s.RegistrationId}", System.Text.Encoding.UTF8.GetBytes(v)));
        yield return new("api correction id", Patch, (_, v) => ApiRaw(HttpMethod.Patch, $"{api}/{Segment(v)}",
            System.Text.Encoding.UTF8.GetBytes("{\"organization\":\"テスト市役所\"}")), Allowed: Id(s.RegistrationId));
        const string Add = "POST /api/admin/events/{slug}/registrations";
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("familyName", null), ("email", null), ("ticketType", OneOf("live", "recording")), ("answers", null),
              ("channel", OneOf("phone", "fax", "counter", "other")), ("language", OneOf("ja", "en")) })
            yield return new($"api staff entry {field}", Add, (_, v) => ApiRaw(HttpMethod.Post, api,
                System.Text.Encoding.UTF8.GetBytes(StaffEntry + $"\"{field}\":{JsonLiteral(v)}}}")), Allowed: allowed);
        yield return new("api cancel id", "POST /api/admin/events/{slug}/registrations/{id:long}/cancel",
            (_, v) => ApiRaw(HttpMethod.Post, $"{api}/{Segment(v)}/cancel", []), Allowed: Id(s.RegistrationId));
    }
}
