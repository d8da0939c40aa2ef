using HandlebarsDotNet;

namespace EventPortal.Web.Mail;

/// <summary>
/// The Handlebars templates in <c>email-templates/{lang}/</c>: <c>name.subject.hbs</c>,
/// <c>name.html.hbs</c>, <c>name.txt.hbs</c>, wrapped in <c>_layout.html.hbs</c> /
/// <c>_layout.txt.hbs</c>. HTML templates escape <c>{{value}}</c>; subject and text templates
/// do not (they are not HTML). All are compiled once, at start-up, so a broken template stops
/// the app instead of a mail.
/// </summary>
public sealed class MailTemplates
{
    public static readonly string[] Names =
        [
            "address_confirmation", "registration_confirmed", "registration_waitlisted", "registration_promoted", "registration_cancelled",
            "ticket_switched",
            "event_updated", "reminder", "recording_available", "organiser_message",
        ];

    readonly Dictionary<string, HandlebarsTemplate<object, object>> _compiled = new(StringComparer.Ordinal);

    public MailTemplates(string directory)
    {
        var html = Handlebars.Create();
        var text = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        foreach (var language in Localization.Text.Languages)
        {
            Compile(directory, language, "_layout", "html", html);
            Compile(directory, language, "_layout", "txt", text);
            foreach (var name in Names)
            {
                Compile(directory, language, name, "subject", text);
                Compile(directory, language, name, "html", html);
                Compile(directory, language, name, "txt", text);
            }
        }
    }

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "email-templates");

    void Compile(string directory, string language, string name, string part, IHandlebars handlebars)
    {
        var path = Path.Combine(directory, language, $"{name}.{part}.hbs");
        if (!File.Exists(path)) throw new InvalidOperationException($"Mail template {path} is missing.");
        _compiled[$"{language}/{name}.{part}"] = handlebars.Compile(File.ReadAllText(path));
    }

    public (string Subject, string Html, string Text) Render(string language, string name, IDictionary<string, object?> model)
    {
        var subject = _compiled[$"{language}/{name}.subject"](model).Trim();
        var withHtmlBody = new Dictionary<string, object?>(model) { ["body"] = _compiled[$"{language}/{name}.html"](model) };
        var withTextBody = new Dictionary<string, object?>(model) { ["body"] = _compiled[$"{language}/{name}.txt"](model) };
        return (subject, _compiled[$"{language}/_layout.html"](withHtmlBody), _compiled[$"{language}/_layout.txt"](withTextBody));
    }
}
