using System.Text.RegularExpressions;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Webhooks;

/// <summary>Webhook steps as an owner takes them on <c>/admin/webhooks</c>, and an app that delivers quickly.</summary>
public static partial class WebhookKit
{
    public static readonly string[] AllTypes =
        ["registration.created", "registration.confirmed", "registration.cancelled", "registration.attended"];

    /// <summary>Settings for a quick outbox; <paramref name="loopback"/>: the test-only permission to send to this machine.</summary>
    public static Dictionary<string, string?> Settings(bool loopback, Dictionary<string, string?>? more = null)
    {
        var settings = Organisers.Bootstrap(new()
        {
            ["EventPortal:Outbox:RetryBaseSeconds"] = "0.5",
            ["EventPortal:Outbox:PollSeconds"] = "0.2",
            ["EventPortal:Webhooks:AllowPrivateTargets"] = loopback ? "true" : "false",
        });
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    public static Task<PortalApp> StartAsync(string engine, Dictionary<string, string?> settings) =>
        PortalApp.StartOnAsync(engine, settings);

    /// <summary>Submits the add form; returns the answer's status, its page and the secret shown once (null when refused).</summary>
    public static async Task<(int Status, string Page, string? Secret)> AddWebhookAsync(this HttpClient owner, string url,
        IEnumerable<string>? types = null, string eventSlug = "", bool personal = false)
    {
        var page = await owner.GetStringAsync("/admin/webhooks");
        var fields = Journeys.WithHiddenFields(page, "/admin/webhooks", new Dictionary<string, string>
            { ["url"] = url, ["event"] = eventSlug, ["personal"] = personal ? "true" : "" }).ToList();
        fields.AddRange((types ?? AllTypes).Select(t => KeyValuePair.Create("types", t)));
        var response = await owner.PostAsync("/admin/webhooks/add", new FormUrlEncodedContent(fields));
        var answer = await response.Content.ReadAsStringAsync();
        var secret = NewSecret().Match(answer) is { Success: true } m ? m.Groups[1].Value : null;
        return ((int)response.StatusCode, answer, secret);
    }

    [GeneratedRegex("<code id=\"new-secret\">([^<]+)</code>")]
    private static partial Regex NewSecret();
}
