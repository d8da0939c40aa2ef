using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>One registration of a Teams webinar the fake Graph holds (cancelled ones stay, marked).</summary>
public sealed record FakeWebinarRegistration(
    string Id, string WebinarId, string Email, string FirstName, string LastName, string PreferredTimezone,
    string PreferredLanguage, DateTimeOffset RegisteredAt, string JoinWebUrl, DateTimeOffset? CanceledAt = null)
{
    public string Status => CanceledAt is null ? "registered" : "canceled";
}

/// <summary>
/// Teams webinars' registrations on the fake Graph, as documented for application permission:
/// <c>POST /v1.0/solutions/virtualEvents/webinars/{id}/registrations</c> (204 No Content; 400 BadRequest
/// without firstName, lastName, email, preferredTimezone or preferredLanguage; 409 Conflict when the
/// address holds a registration already), <c>GET …/registrations(email='{email}')</c> (200 with the
/// address's registration, its live one first; 404 NotFound), <c>POST …/registrations/{id}/cancel</c>
/// (204; 404 when unknown) and <c>GET …/registrations</c>. 404 NotFound for an unknown webinar, 401
/// without an issued bearer token. A registration carries a personal <c>joinWebUrl</c>.
/// </summary>
public sealed partial class FakeGraph
{
    readonly HashSet<string> _webinars = new(StringComparer.OrdinalIgnoreCase);
    readonly List<FakeWebinarRegistration> _registrations = [];
    int _failAfterRegistering, _lookupsLagging;

    /// <summary>A webinar the organiser made in Teams; its id as Graph writes it (<c>{guid}@{tenant id}</c>).</summary>
    public string AddWebinar()
    {
        var id = $"{Guid.NewGuid()}@{TenantId}";
        lock (_gate) _webinars.Add(id);
        return id;
    }

    /// <summary>The webinar's registration page as Graph documents <c>registrationWebUrl</c>.</summary>
    public static string RegistrationWebUrl(string webinarId) => $"https://events.teams.microsoft.com/event/{webinarId}";

    public IReadOnlyList<FakeWebinarRegistration> WebinarRegistrations { get { lock (_gate) return _registrations.ToList(); } }

    /// <summary>The next registrations are made, then answered with 500, as if the answer were lost on the way.</summary>
    public void FailAfterRegistering(int times = 1)
    {
        lock (_gate) _failAfterRegistering += times;
    }

    /// <summary>The next look-ups by address answer 404, as if a registration made a moment ago were not visible yet.</summary>
    public void LagLookups(int times = 1)
    {
        lock (_gate) _lookupsLagging += times;
    }

    async Task WebinarRegistrationsAsync(HttpContext context, string webinarId, string? email, string? registrationId, bool cancel)
    {
        if (!await BearerTokenIssuedAsync(context)) return;
        bool known;
        lock (_gate) known = _webinars.Contains(webinarId);
        var request = context.Request;
        if (!known) await GraphErrorAsync(context, 404, "NotFound", $"The webinar '{webinarId}' was not found.");
        else if (email is not null && HttpMethods.IsGet(request.Method)) await RegistrationByEmailAsync(context, webinarId, email);
        else if (registrationId is not null && cancel && HttpMethods.IsPost(request.Method))
            await CancelRegistrationAsync(context, webinarId, registrationId);
        else if (email is null && registrationId is null && HttpMethods.IsPost(request.Method)) await RegisterAsync(context, webinarId);
        else if (email is null && registrationId is null && HttpMethods.IsGet(request.Method))
        {
            List<FakeWebinarRegistration> all;
            lock (_gate) all = _registrations.Where(r => r.WebinarId == webinarId).ToList();
            await WriteJsonAsync(context, 200, new Dictionary<string, object> { ["value"] = all.Select(RegistrationJson).ToList() });
        }
        else await GraphErrorAsync(context, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
    }

    async Task RegisterAsync(HttpContext context, string webinarId)
    {
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            await GraphErrorAsync(context, 415, "UnsupportedMediaType", "A supported MIME type could not be found.");
            return;
        }
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var (first, last, email, zone, language) =
            (Text("firstName"), Text("lastName"), Text("email"), Text("preferredTimezone"), Text("preferredLanguage"));
        if (string.IsNullOrEmpty(first) || string.IsNullOrEmpty(last) || string.IsNullOrEmpty(email) || string.IsNullOrEmpty(zone)
            || string.IsNullOrEmpty(language))
        {
            await GraphErrorAsync(context, 400, "BadRequest",
                "firstName, lastName, email, preferredTimezone and preferredLanguage are required with application permission.");
            return;
        }
        bool duplicate, fail = false;
        lock (_gate)
        {
            duplicate = _registrations.Any(r => r.WebinarId == webinarId && r.CanceledAt is null
                && string.Equals(r.Email, email, StringComparison.OrdinalIgnoreCase));
            if (!duplicate)
            {
                // A join link of Teams' shape with a token of its own, so each registrant's differs.
                var joinUrl = $"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{Base64Url(RandomNumberGenerator.GetBytes(12))}" +
                    $"%40thread.v2/0?registrantToken={Base64Url(RandomNumberGenerator.GetBytes(16))}";
                _registrations.Add(new FakeWebinarRegistration(Guid.NewGuid().ToString(), webinarId, email, first, last, zone, language,
                    DateTimeOffset.UtcNow, joinUrl));
                if (_failAfterRegistering > 0) (_failAfterRegistering, fail) = (_failAfterRegistering - 1, true);
            }
        }
        if (duplicate) await GraphErrorAsync(context, 409, "Conflict", "The registrant is already registered for this webinar.");
        else if (fail) await GraphErrorAsync(context, 500, "InternalServerError", "An internal server error occurred.");
        else context.Response.StatusCode = 204;
    }

    async Task RegistrationByEmailAsync(HttpContext context, string webinarId, string email)
    {
        FakeWebinarRegistration? found = null;
        lock (_gate)
        {
            if (_lookupsLagging > 0) _lookupsLagging--;
            else
                found = _registrations
                    .Where(r => r.WebinarId == webinarId && string.Equals(r.Email, email, StringComparison.OrdinalIgnoreCase))
                    .OrderBy(r => r.CanceledAt is null ? 0 : 1).ThenByDescending(r => r.RegisteredAt).FirstOrDefault();
        }
        if (found is null) await GraphErrorAsync(context, 404, "NotFound", "The registration was not found.");
        else await WriteJsonAsync(context, 200, RegistrationJson(found));
    }

    async Task CancelRegistrationAsync(HttpContext context, string webinarId, string registrationId)
    {
        bool found;
        lock (_gate)
        {
            var index = _registrations.FindIndex(r => r.WebinarId == webinarId && r.Id == registrationId && r.CanceledAt is null);
            found = index >= 0;
            if (found) _registrations[index] = _registrations[index] with { CanceledAt = DateTimeOffset.UtcNow };
        }
        if (!found) await GraphErrorAsync(context, 404, "NotFound", "The registration was not found.");
        else context.Response.StatusCode = 204;
    }

    static Dictionary<string, object?> RegistrationJson(FakeWebinarRegistration r) => new()
    {
        ["@odata.type"] = "#microsoft.graph.virtualEventRegistration",
        ["id"] = r.Id,
        ["userId"] = null,
        ["email"] = r.Email,
        ["firstName"] = r.FirstName,
        ["lastName"] = r.LastName,
        ["status"] = r.Status,
        ["registrationDateTime"] = r.RegisteredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
        ["cancelationDateTime"] = r.CanceledAt?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
        ["preferredTimezone"] = r.PreferredTimezone,
        ["preferredLanguage"] = r.PreferredLanguage,
        ["joinWebUrl"] = r.JoinWebUrl,
    };

    [GeneratedRegex("^/v1\\.0/solutions/virtualEvents/webinars/([^/]+)/registrations(?:\\(email='([^']*)'\\)|/([^/()]+)(/cancel)?)?$",
        RegexOptions.IgnoreCase)]
    private static partial Regex WebinarRegistrationsPath();
}
