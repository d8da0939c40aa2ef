namespace EventPortal.Tests.Proof;

/// <summary>
/// The targets of the webhooks page (owners): every field of the add form, and the id of every action on a hook; and of an
/// event's preview image page: the uploaded file, the slug of each action, the notice.
/// </summary>
public sealed partial class GeneratedHostileInput
{
    static IEnumerable<ConsoleTarget> WebhookTargets(ConsoleScene s)
    {
        const string Page = "/Admin/WebhooksPage";
        // A documentation address (TEST-NET-3): public by the rules, and never connected to (the scene's dispatcher is off).
        var add = new Dictionary<string, string>
            { ["url"] = "https://203.0.113.9/hook", ["event"] = "", ["personal"] = "", ["types"] = "registration.created" };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("url", null), ("event", OneOf("", s.Slug)), ("personal", OneOf("", "true")),
              ("types", OneOf("registration.created", "registration.confirmed", "registration.cancelled", "registration.attended")) })
            yield return new($"webhooks add {field}", $"{Page} POST add", (w, v) => w.Form("/admin/webhooks/add", With(add, field, v)),
                Allowed: allowed);
        // The scene has no hook: every id names nothing, and must change nothing.
        foreach (var action in new[] { "disable", "enable", "delete", "ping" })
            yield return new($"webhooks {action} id", $"{Page} POST {action}",
                (w, v) => w.Form($"/admin/webhooks/{action}?id={Query(v)}", []), Allowed: _ => false);
        yield return new("webhooks handler", $"{Page} GET ", (_, v) => Get($"/admin/webhooks/{Segment(v)}"), ReadOnly: true);

        // No value is a PNG or JPEG: each upload is refused and changes nothing; a remove names no event, or one without an image.
        const string Image = "/Admin/EventImagePage";
        var ev = $"/admin/events/{s.Slug}/image";
        yield return new("image upload file", $"{Image} POST upload", (w, v) => Upload(w, $"{ev}/upload", v));
        yield return new("image upload png-like", $"{Image} POST upload", (w, v) => Upload(w, $"{ev}/upload", "\u0089PNG\r\n\u001a\n" + v));
        yield return new("image upload slug", $"{Image} POST upload", (w, v) => Upload(w, $"/admin/events/{Segment(v)}/image/upload", "x"));
        yield return new("image remove slug", $"{Image} POST remove", (w, v) => w.Form($"/admin/events/{Segment(v)}/image/remove", []));
        yield return new("image slug", $"{Image} GET ", (_, v) => Get($"/admin/events/{Segment(v)}/image"), ReadOnly: true);
        yield return new("image notice", $"{Image} GET ", (_, v) => Get($"{ev}?done={Query(v)}"), ReadOnly: true);
    }
}
