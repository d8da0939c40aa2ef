using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>One panelist of a webinar, as the fake holds them.</summary>
public sealed record FakeZoomPanelist(long WebinarId, string Id, string Email, string Name, string JoinUrl);

/// <summary>
/// Panelists on the fake Zoom, after Zoom's API reference: <c>POST /v2/webinars/{id}/panelists</c>
/// <c>{panelists: [{name, email}]}</c> (at most 100) → 201 <c>{id, updated_at}</c>; <c>GET /v2/webinars/{id}/panelists</c> →
/// 200 <c>{total_records, panelists: [{id, email, name, join_url}]}</c>; <c>DELETE /v2/webinars/{id}/panelists/{panelistId}</c> →
/// 204. 404 code 3001 for a webinar that is not there (a meeting's id included), 400 code 300 for a bad body. Every add is
/// kept as sent, the same address twice too, so a test sees a panelist added twice.
/// </summary>
public sealed partial class FakeZoom
{
    readonly List<FakeZoomPanelist> _panelists = [];
    int _panelistAdds;
    bool _losePanelistAnswer;

    public IReadOnlyList<FakeZoomPanelist> Panelists { get { lock (_gate) return _panelists.ToList(); } }
    public int PanelistAdds { get { lock (_gate) return _panelistAdds; } }

    /// <summary>The next panelist add is made, but its answer is lost (a 500 instead of the 201).</summary>
    public void LoseNextPanelistAnswer() { lock (_gate) _losePanelistAnswer = true; }

    /// <summary>A panelist the organiser added in Zoom's own pages.</summary>
    public void AddPanelistByHand(long webinarId, string email, string name)
    {
        lock (_gate) _panelists.Add(NewPanelist(webinarId, email, name));
    }

    static FakeZoomPanelist NewPanelist(long webinarId, string email, string name)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        return new(webinarId, id, email, name, $"https://us06web.zoom.us/w/{webinarId}?tk=panelist{id}");
    }

    bool IsWebinar(long id) => _meetings.TryGetValue(id, out var m) && !m.Deleted && m.Kind == "webinars";

    async Task PanelistsAsync(HttpContext context, long id, string? panelistId)
    {
        bool found;
        lock (_gate) found = IsWebinar(id);
        if (!found) { await ErrorAsync(context, 404, 3001, Missing("webinars", id)); return; }
        var method = context.Request.Method;
        if (panelistId is not null && HttpMethods.IsDelete(method)) await RemovePanelistAsync(context, id, panelistId);
        else if (panelistId is null && HttpMethods.IsPost(method)) await AddPanelistsAsync(context, id);
        else if (panelistId is null && HttpMethods.IsGet(method))
        {
            List<FakeZoomPanelist> list;
            lock (_gate) list = _panelists.Where(p => p.WebinarId == id).ToList();
            await WriteJsonAsync(context, 200, new Dictionary<string, object>
            {
                ["total_records"] = list.Count,
                ["panelists"] = list.Select(p => new Dictionary<string, object>
                {
                    ["id"] = p.Id, ["email"] = p.Email, ["name"] = p.Name, ["join_url"] = p.JoinUrl, ["virtual_background_id"] = "",
                    ["name_tag_id"] = "", ["name_tag_name"] = "", ["name_tag_pronouns"] = "", ["name_tag_description"] = "",
                }).ToList(),
            });
        }
        else await ErrorAsync(context, 404, 404, "Not found.");
    }

    async Task AddPanelistsAsync(HttpContext context, long id)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        if (!body.RootElement.TryGetProperty("panelists", out var list) || list.ValueKind != JsonValueKind.Array
            || list.GetArrayLength() is 0 or > 100
            || list.EnumerateArray().Any(p => !p.TryGetProperty("name", out var n) || n.GetString() is not { Length: > 0 }
                || !p.TryGetProperty("email", out var e) || e.GetString()?.Contains('@') != true))
        {
            await ErrorAsync(context, 400, 300, "Validation Failed.");
            return;
        }
        bool lose;
        lock (_gate)
        {
            foreach (var p in list.EnumerateArray())
                _panelists.Add(NewPanelist(id, p.GetProperty("email").GetString()!, p.GetProperty("name").GetString()!));
            _panelistAdds++;
            (lose, _losePanelistAnswer) = (_losePanelistAnswer, false);
        }
        if (lose) { await ErrorAsync(context, 500, 500, "Internal Error."); return; }
        await WriteJsonAsync(context, 201, new Dictionary<string, object>
        {
            ["id"] = id.ToString(CultureInfo.InvariantCulture),
            ["updated_at"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        });
    }

    async Task RemovePanelistAsync(HttpContext context, long id, string panelistId)
    {
        int removed;
        lock (_gate) removed = _panelists.RemoveAll(p => p.WebinarId == id && p.Id == panelistId);
        if (removed == 0) await ErrorAsync(context, 404, 3001, $"Panelist does not exist: {panelistId}.");
        else context.Response.StatusCode = 204;
    }

    [GeneratedRegex("^/v2/webinars/([0-9]+)/panelists(?:/([^/]+))?$")]
    private static partial Regex PanelistsPath();
}
