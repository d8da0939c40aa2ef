using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Proof;

/// <summary>
/// The organiser side's targets: every console form field (the event editor's fields read from
/// the form itself, so a new one is fuzzed without a change here), every console handler, every
/// admin API field, route value and query parameter. Each names the handler or endpoint it
/// covers; <see cref="ConsoleCoverage"/> fails when the app has one that no target covers.
/// </summary>
public sealed partial class GeneratedHostileInput
{
    /// <summary>What the console test works on: an event, two registrations, a staff account, a token, a failed row.</summary>
    /// <param name="EditorFields">The event editor's fields, as the page renders them.</param>
    /// <param name="ApiProperties">The properties of the admin API's event, as it answers them (lists: "ticketTypes[].code").</param>
    /// <param name="RuleId">One of the event's mail rules.</param>
    sealed record ConsoleScene(string Slug, long RegistrationId, long StaffId, long TokenId, long FailedRowId,
        IReadOnlyDictionary<string, string> EditorFields, IReadOnlyCollection<string> ApiProperties, long RuleId);

    /// <summary>
    /// A console or admin API place for a value. <paramref name="Covers"/> is a page handler
    /// ("/Admin/AccountsPage POST add") or an endpoint ("PATCH /api/admin/events/{slug}").
    /// <paramref name="ReadOnly"/>: nothing may change whatever the answer. <paramref name="Allowed"/>:
    /// the field is a closed set (a select, a radio, the id of a thing): a value outside it must be
    /// refused, not mapped onto a default. <paramref name="Anonymous"/>: sent signed out (sign-in).
    /// <paramref name="Audited"/>: a read that writes the audit log by design (an export). <paramref name="Markdown"/>:
    /// the answer shows the value rendered as Markdown, whose text keeps quotes as they are (safe in text):
    /// only injected markup counts there.
    /// </summary>
    sealed record ConsoleTarget(string Name, string Covers, Func<Worker, string, HttpRequestMessage?> Build,
        bool ReadOnly = false, Func<string, bool>? Allowed = null, bool Anonymous = false, bool Audited = false, bool Markdown = false)
    {
        public override string ToString() => Name;
    }

    static Func<string, bool> OneOf(params string[] values) => v => values.Contains(v);

    /// <summary>The id of the one thing of its kind the scene has (as a route or query value reads it).</summary>
    static Func<string, bool> Id(long id) => v => long.TryParse(v.Trim(), out var n) && n == id;

    static List<ConsoleTarget> ConsoleTargets(ConsoleScene s)
    {
        var t = new List<ConsoleTarget>();
        var ev = $"/admin/events/{s.Slug}";
        const string Edit = "/Admin/EventEditPage";
        // The event editor: every field of the form as the page renders it, on an existing and on a new event.
        foreach (var field in s.EditorFields.Keys)
        {
            t.Add(new($"editor {field}", $"{Edit} POST save", (w, v) => w.Form($"{ev}/save", With(s.EditorFields, field, v))));
            t.Add(new($"new event {field}", $"{Edit} POST save", (w, v) => w.Form("/admin/events/new/save",
                With(ConsoleForms.NewEventForm("fz-" + Guid.NewGuid().ToString("N")[..12]), field, v))));
        }
        t.Add(new("editor preview description", $"{Edit} POST preview",
            (w, v) => w.Form($"{ev}/preview", With(s.EditorFields, "Form.Description", v)), ReadOnly: true, Markdown: true));
        t.Add(new("editor add list", $"{Edit} POST add",
            (w, v) => w.Form($"{ev}/add", With(s.EditorFields, "list", v)), ReadOnly: true));
        t.Add(new("editor field name", $"{Edit} POST save", (w, v) => w.Form($"{ev}/save", With(s.EditorFields, v, "x"))));
        t.Add(new("editor raw bytes", $"{Edit} POST save", (w, v) => w.RawForm($"{ev}/save", new(s.EditorFields), "Form.Title", v)));
        foreach (var action in new[] { "publish", "unpublish", "cancel", "duplicate", "save", "preview", "add" })
            t.Add(new($"editor {action} slug", $"{Edit} POST {action}", (w, v) => w.Form($"/admin/events/{Segment(v)}/{action}", [])));
        t.Add(new("editor handler", $"{Edit} POST ", (w, v) => w.Form($"{ev}/{Segment(v)}", [])));
        foreach (var get in new[] { "", "edit", "cancel" })
            t.Add(new($"editor GET {get} slug", $"{Edit} GET {get}", (_, v) => Get($"/admin/events/{Segment(v)}/{get}"), ReadOnly: true));
        t.Add(new("editor notice", $"{Edit} GET edit", (_, v) => Get($"{ev}/edit?notice={Query(v)}"), ReadOnly: true));

        // The mail page: reminder rules, the recording, a message to registrants.
        const string Mail = "/Admin/EventMailPage";
        var rules = new Dictionary<string, string>
            { ["amount0"] = "1", ["unit0"] = "days", ["direction0"] = "before", ["audience0"] = "all" };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("amount0", null), ("unit0", OneOf("days", "hours", "minutes")), ("direction0", OneOf("before", "after")),
              ("audience0", OneOf("live", "recording", "all", "t:live", "t:recording")) })
            t.Add(new($"mail rules {field}", $"{Mail} POST rules", (w, v) => w.Form($"{ev}/mail/rules", With(rules, field, v)),
                Allowed: allowed));
        var recording = new Dictionary<string, string>
            { ["url"] = "https://video.example.jp/rec", ["until"] = "", ["recordingAudience"] = "recording" };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("url", null), ("until", null), ("recordingAudience", OneOf("recording", "recording_and_absent", "all")) })
            t.Add(new($"mail recording {field}", $"{Mail} POST recording",
                (w, v) => w.Form($"{ev}/mail/recording", With(recording, field, v)), Allowed: allowed));
        var message = new Dictionary<string, string>
            { ["subject"] = "お知らせ", ["body"] = "本文です。", ["ticket"] = "", ["status"] = "", ["category"] = "" };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("subject", null), ("body", null), ("ticket", OneOf("", "live", "recording")),
              ("status", OneOf("", "confirmed", "waitlisted", "cancelled")), ("category", CategoryOrAny) })
        {
            t.Add(new($"mail message preview {field}", $"{Mail} POST message",
                (w, v) => w.Form($"{ev}/mail/message", With(message, field, v)), ReadOnly: true, Allowed: allowed));
            t.Add(new($"mail message send {field}", $"{Mail} POST message",
                (w, v) => w.Form($"{ev}/mail/message", With(With(message, "send", "yes"), field, v)), Allowed: allowed));
        }
        t.Add(new("mail send flag", $"{Mail} POST message", (w, v) => w.Form($"{ev}/mail/message", With(message, "send", v))));
        t.Add(new("mail slug", $"{Mail} GET ", (_, v) => Get($"/admin/events/{Segment(v)}/mail"), ReadOnly: true));
        t.Add(new("mail done", $"{Mail} GET ", (_, v) => Get($"{ev}/mail?done={Query(v)}"), ReadOnly: true));
        t.Add(new("mail progress slug", $"{Mail} GET progress", (_, v) => Get($"/admin/events/{Segment(v)}/mail/progress"),
            ReadOnly: true));
        t.Add(new("mail handler", $"{Mail} POST rules", (w, v) => w.Form($"{ev}/mail/{Segment(v)}", rules)));

        // One registration: its page, the confirmation steps, every action, attendance.
        const string Reg = "/Admin/RegistrationPage";
        var one = $"{ev}/registrations/{s.RegistrationId}";
        t.Add(new("registration attendance", $"{Reg} POST attendance",
            (w, v) => w.Form($"{one}/attendance", new() { ["attended"] = v }), Allowed: OneOf("yes", "no", "unknown")));
        foreach (var action in new[] { "cancel", "promote", "resend", "erase", "attendance" })
        {
            t.Add(new($"registration {action} id", $"{Reg} POST {action}",
                (w, v) => w.Form($"{ev}/registrations/{Segment(v)}/{action}", new() { ["attended"] = "yes" }),
                Allowed: Id(s.RegistrationId)));
            t.Add(new($"registration {action} slug", $"{Reg} POST {action}",
                (w, v) => w.Form($"/admin/events/{Segment(v)}/registrations/{s.RegistrationId}/{action}", new() { ["attended"] = "yes" })));
        }
        foreach (var get in new[] { "", "cancel", "erase" })
            t.Add(new($"registration GET {get} id", $"{Reg} GET {get}", (_, v) => Get($"{ev}/registrations/{Segment(v)}/{get}"),
                ReadOnly: true));
        t.Add(new("registration done", $"{Reg} GET ", (_, v) => Get($"{one}?done={Query(v)}"), ReadOnly: true));

        // The registration list: every filter, the page number, the list name, the slug.
        const string List = "/Admin/RegistrationsPage";
        foreach (var q in new[] { "q", "ticket", "status", "category", "attendance", "page" })
            t.Add(new($"registrations {q}", $"{List} GET ", (_, v) => Get($"{ev}/registrations?{q}={Query(v)}"), ReadOnly: true));
        t.Add(new("registrations list", $"{List} GET ", (_, v) => Get($"{ev}/{Segment(v)}"), ReadOnly: true));
        t.Add(new("registrations csv filter", $"{List} GET ", (_, v) => Get($"{ev}/registrations.csv?q={Query(v)}"), ReadOnly: true,
            Audited: true));

        // Accounts and API tokens (owners).
        const string Acc = "/Admin/AccountsPage";
        var account = new Dictionary<string, string>
        {
            ["email"] = "new-staff@example.jp", ["name"] = "新しい担当", ["role"] = "staff", ["password"] = "a long enough password",
        };
        foreach (var (field, allowed) in new (string, Func<string, bool>?)[]
            { ("email", null), ("name", null), ("role", OneOf("staff", "owner")), ("password", null) })
            t.Add(new($"accounts add {field}", $"{Acc} POST add", (w, v) => w.Form("/admin/accounts/add",
                With(With(account, "email", $"fz-{Guid.NewGuid():N}@example.jp"), field, v)), Allowed: allowed));
        foreach (var action in new[] { "disable", "enable", "revoke" })
            t.Add(new($"accounts {action} id", $"{Acc} POST {action}", (w, v) => w.Form($"/admin/accounts/{action}?id={Query(v)}", []),
                Allowed: Id(action == "revoke" ? s.TokenId : s.StaffId)));
        t.Add(new("accounts token name", $"{Acc} POST token", (w, v) => w.Form("/admin/accounts/token", new() { ["tokenName"] = v })));
        t.Add(new("accounts handler", $"{Acc} GET ", (_, v) => Get($"/admin/accounts/{Segment(v)}"), ReadOnly: true));

        t.Add(new("accounts second factor", $"{Acc} POST secondfactor", (w, v) => w.Form("/admin/accounts/secondfactor",
            new() { ["required"] = v }), Allowed: OneOf("true", "false")));
        t.AddRange(SecurityTargets());

        // The outbox, the audit log, the event list, the console's front door.
        t.Add(new("outbox retry id", "/Admin/OutboxPage POST retry", (w, v) => w.Form($"/admin/outbox/retry?id={Query(v)}", []),
            Allowed: Id(s.FailedRowId)));
        t.Add(new("outbox handler", "/Admin/OutboxPage GET ", (_, v) => Get($"/admin/outbox/{Segment(v)}"), ReadOnly: true));
        t.Add(new("audit query", "/Admin/AuditPage GET ", (_, v) => Get($"/admin/audit?{Query(v)}={Query(v)}"), ReadOnly: true));
        t.Add(new("events query", "/Admin/EventsPage GET ", (_, v) => Get($"/admin/events?{Query(v)}={Query(v)}"), ReadOnly: true));
        t.Add(new("admin query", "/Admin/IndexPage GET ", (_, v) => Get($"/admin?{Query(v)}={Query(v)}"), ReadOnly: true));

        // Signed out: sign-in (a failure is audited by design, see SideEffects), its return address.
        t.Add(new("sign-in email", "/Admin/SignInPage POST ",
            (w, v) => w.Form("/admin/signin", new() { ["email"] = v, ["password"] = "wrong password" }), Anonymous: true));
        t.Add(new("sign-in password", "/Admin/SignInPage POST ",
            (w, v) => w.Form("/admin/signin", new() { ["email"] = StaffEmail, ["password"] = v + "-" }), Anonymous: true));
        t.Add(new("sign-in returnUrl", "/Admin/SignInPage POST ", (w, v) => w.Form($"/admin/signin?returnUrl={Query(v)}",
            new() { ["email"] = "nobody@example.jp", ["password"] = "wrong password" }), Anonymous: true));
        t.Add(new("sign-in GET", "/Admin/SignInPage GET ", (_, v) => Get($"/admin/signin?returnUrl={Query(v)}"), ReadOnly: true,
            Anonymous: true));
        t.Add(new("denied query", "/Admin/DeniedPage GET ", (_, v) => Get($"/admin/denied?ReturnUrl={Query(v)}"), ReadOnly: true));
        t.Add(new("sign-out GET", "/Admin/SignOutPage GET ", (_, v) => Get($"/admin/signout?{Query(v)}=1"), ReadOnly: true));
        t.Add(new("setup GET", "/Admin/SetupPage GET ", (_, v) => Get($"/admin/setup?{Query(v)}=1"), ReadOnly: true, Anonymous: true));

        t.AddRange(AdminApiTargets(s));
        t.AddRange(FollowUpTargets(s));
        t.AddRange(CorrectionTargets(s));
        t.AddRange(WebhookTargets(s));
        return t;
    }

    /// <summary>
    /// The organiser's own security pages: the password change, the authenticator app's code, a passkey's
    /// answer, the ids of passkeys (the scene has none, so every id names nothing), the second step of
    /// sign-in (signed out: there is no pending sign-in, so nothing may change), and their pages' queries.
    /// </summary>
    static IEnumerable<ConsoleTarget> SecurityTargets()
    {
        const string Sec = "/Admin/Security/SecurityPage", Verify = "/Admin/Security/VerifyPage";
        var change = new Dictionary<string, string>
        {
            ["currentPassword"] = "not the password at all", ["newPassword"] = "a new long password", ["newPasswordConfirmation"] = "x",
        };
        foreach (var field in change.Keys)
            yield return new($"security password {field}", $"{Sec} POST password", (w, v) => w.Form("/admin/security/password",
                With(change, field, v)));
        yield return new("security totp code", $"{Sec} POST totpconfirm", (w, v) => w.Form("/admin/security/totpconfirm",
            new() { ["secret"] = "not a sealed secret", ["code"] = v }));
        yield return new("security totp secret", $"{Sec} POST totpconfirm", (w, v) => w.Form("/admin/security/totpconfirm",
            new() { ["secret"] = v, ["code"] = "123456" }));
        yield return new("security passkey answer", $"{Sec} POST passkeyadd", (w, v) => w.Json("/admin/security/passkeyadd", v));
        yield return new("security passkey id", $"{Sec} POST passkeyremove",
            (w, v) => w.Form($"/admin/security/passkeyremove?id={Query(v)}", []), Allowed: _ => false);
        yield return new("security done", $"{Sec} GET ", (_, v) => Get($"/admin/security?done={Query(v)}"), ReadOnly: true);
        yield return new("security handler", $"{Sec} GET codes", (_, v) => Get($"/admin/security/codes?{Query(v)}=1"), ReadOnly: true);
        yield return new("sessions ended", "/Admin/Security/SessionsPage GET ", (_, v) => Get($"/admin/sessions?ended={Query(v)}"),
            ReadOnly: true);
        yield return new("verify returnUrl", $"{Verify} GET ", (_, v) => Get($"/admin/signin/verify?returnUrl={Query(v)}"),
            ReadOnly: true, Anonymous: true);
        yield return new("verify code", $"{Verify} POST totp", (w, v) => w.Form("/admin/signin/verify/totp", new() { ["code"] = v }),
            ReadOnly: true, Anonymous: true);
        yield return new("verify recovery code", $"{Verify} POST recovery",
            (w, v) => w.Form("/admin/signin/verify/recovery", new() { ["recoveryCode"] = v }), ReadOnly: true, Anonymous: true);
        yield return new("verify passkey answer", $"{Verify} POST passkey", (w, v) => w.Json("/admin/signin/verify/passkey", v),
            ReadOnly: true, Anonymous: true);
    }

    /// <summary>The form's fields with one replaced (or added, for a field name).</summary>
    static Dictionary<string, string> With(IReadOnlyDictionary<string, string> fields, string field, string value) =>
        new(fields) { [field] = value };

    /// <summary>The standard category codes the test event has, or "" for any.</summary>
    static bool CategoryOrAny(string v) => v.Length == 0 || EventPortal.Web.Data.DemoSeed.StandardCategories.Any(c => c.Code == v);

    static HttpRequestMessage ApiJson(HttpMethod method, string path, JsonNode body, bool relaxed) =>
        new(method, path)
        {
            Content = new StringContent(body.ToJsonString(relaxed ? Unescaped : null), Encoding.UTF8, "application/json"),
        };

    static HttpRequestMessage ApiRaw(HttpMethod method, string path, byte[] body) => new(method, path)
    {
        Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
    };
}

