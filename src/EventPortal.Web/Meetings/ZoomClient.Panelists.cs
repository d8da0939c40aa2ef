using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EventPortal.Web.Meetings;

/// <summary>A webinar's panelist as <c>GET /webinars/{id}/panelists</c> lists them (their own join link is not kept).</summary>
public sealed record ZoomPanelist(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("name")] string? Name);

/// <summary>One panelist to add: Zoom mails them their own link to join as a panelist.</summary>
public sealed record ZoomPanelistRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("email")] string Email);

sealed record ZoomPanelistsBody([property: JsonPropertyName("panelists")] IReadOnlyList<ZoomPanelistRequest> Panelists);

sealed record ZoomPanelistList(
    [property: JsonPropertyName("total_records")] int TotalRecords,
    [property: JsonPropertyName("panelists")] List<ZoomPanelist>? Panelists);

public sealed partial class ZoomClient
{
    /// <summary>Zoom takes at most this many panelists in one add.</summary>
    public const int PanelistsPerAdd = 100;

    /// <summary><c>GET /webinars/{id}/panelists</c>: every panelist of the webinar (the list is not paged).</summary>
    public async Task<IReadOnlyList<ZoomPanelist>> PanelistsAsync(long webinarId, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, $"webinars/{webinarId}/panelists", null, ct);
        var answer = await response.Content.ReadFromJsonAsync<ZoomPanelistList>(Json, ct);
        return answer?.Panelists ?? [];
    }

    /// <summary><c>POST /webinars/{id}/panelists</c>; Zoom answers 201 with the webinar's id and the time of the change.</summary>
    public async Task AddPanelistsAsync(long webinarId, IReadOnlyList<ZoomPanelistRequest> panelists, CancellationToken ct)
    {
        foreach (var part in panelists.Chunk(PanelistsPerAdd))
        {
            using var response = await SendAsync(HttpMethod.Post, $"webinars/{webinarId}/panelists",
                JsonContent.Create(new ZoomPanelistsBody(part), options: Json), ct);
        }
    }

    /// <summary><c>DELETE /webinars/{id}/panelists/{panelistId}</c> (204); false when the panelist was gone already (404).</summary>
    public async Task<bool> RemovePanelistAsync(long webinarId, string panelistId, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Delete,
                $"webinars/{webinarId}/panelists/{Uri.EscapeDataString(panelistId)}", null, ct);
            return true;
        }
        catch (ZoomException e) when (e.Status == 404)
        {
            return false;
        }
    }
}
