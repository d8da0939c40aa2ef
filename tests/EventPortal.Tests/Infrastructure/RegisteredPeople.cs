using System.Net;
using System.Net.Http.Json;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// Registering people with every field the organiser console shows (by the public API, as they
/// would), and reading a registration's status back. Used by the console and CSV export tests.
/// </summary>
public static class RegisteredPeople
{
    public static async Task<long> RegisterPersonAsync(this PortalApp app, string slug, string email, string family = "山田",
        string given = "花子", string reading = "ヤマダ ハナコ", string organization = "テスト市役所", string? category = "municipal",
        string ticket = "live", string accessibility = "", string questions = "", Dictionary<string, string>? answers = null)
    {
        using var client = app.Client();
        var response = await client.PostAsJsonAsync($"/api/events/{slug}/registrations", new
        {
            familyName = family, givenName = given, reading, email, organization, category, ticketType = ticket,
            accessibility, questions, answers = answers ?? [], consent = true,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"{email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email_normalized = @email AND status <> 'cancelled'",
            new { email = email.ToLowerInvariant() });
    }

    /// <summary>The registration's own join link, <c>/j/{token}</c>.</summary>
    public static async Task<string> JoinPathAsync(this PortalApp app, long registrationId) =>
        "/j/" + app.Tokens.Join(registrationId, await app.QueryOneAsync<string>(
            "SELECT token_seed FROM registrations WHERE id = @registrationId", new { registrationId }));

    /// <summary>The join link of the registration whose personal page is <paramref name="managePath"/> (<c>/r/{token}</c>).</summary>
    public static Task<string> JoinPathAsync(this PortalApp app, string managePath) =>
        app.JoinPathAsync(Web.Registrations.Tokens.IdOf(managePath[3..]));

    /// <summary>The registration's own recording link, <c>/w/{token}</c>.</summary>
    public static async Task<string> WatchPathAsync(this PortalApp app, long registrationId) =>
        "/w/" + app.Tokens.Watch(registrationId, await app.QueryOneAsync<string>(
            "SELECT token_seed FROM registrations WHERE id = @registrationId", new { registrationId }));

    /// <summary>The registration's personal page token (<c>/r/{token}</c>, also its survey's <c>/s/{token}</c>).</summary>
    public static async Task<string> ManageTokenAsync(this PortalApp app, long id) =>
        app.Tokens.Manage(id, await app.QueryOneAsync<string>("SELECT token_seed FROM registrations WHERE id = @id", new { id }));

    public static Task<string> StatusAsync(this PortalApp app, long id) =>
        app.QueryOneAsync<string>("SELECT status FROM registrations WHERE id = @id", new { id });
}
