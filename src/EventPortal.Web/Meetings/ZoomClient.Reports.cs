using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EventPortal.Web.Meetings;

/// <summary>
/// One stay of one participant in a past meeting or webinar, from Zoom's participants report
/// (<c>duration</c> in seconds; someone who left and came back has two entries). <c>status</c> is
/// <c>in_meeting</c>, or <c>in_waiting_room</c> for time spent waiting to be let in.
/// </summary>
public sealed record ZoomParticipant(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("user_email")] string? UserEmail,
    [property: JsonPropertyName("registrant_id")] string? RegistrantId,
    [property: JsonPropertyName("join_time")] DateTimeOffset? JoinTime,
    [property: JsonPropertyName("leave_time")] DateTimeOffset? LeaveTime,
    [property: JsonPropertyName("duration")] int Duration,
    [property: JsonPropertyName("status")] string? Status = null)
{
    public const string InWaitingRoom = "in_waiting_room";
}

sealed record ZoomParticipantPage(
    [property: JsonPropertyName("next_page_token")] string? NextPageToken,
    [property: JsonPropertyName("participants")] List<ZoomParticipant>? Participants);

public sealed partial class ZoomClient
{
    /// <summary>
    /// <c>GET /report/meetings/{id}/participants</c> (or <c>/report/webinars/…</c>), every page of 300.
    /// Null while Zoom has no report for the meeting (404: it is still running, or ended minutes ago).
    /// Needs the <c>report:read:admin</c> scope and a paid plan.
    /// </summary>
    public async Task<IReadOnlyList<ZoomParticipant>?> ParticipantsReportAsync(long meetingId, CancellationToken ct, int maxPages = 200)
    {
        var all = new List<ZoomParticipant>();
        string? next = null;
        for (var page = 0; page < maxPages; page++)
        {
            var path = $"report/{Kind}/{meetingId}/participants?page_size=300"
                + (string.IsNullOrEmpty(next) ? "" : "&next_page_token=" + Uri.EscapeDataString(next));
            ZoomParticipantPage? answer;
            try
            {
                using var response = await SendAsync(HttpMethod.Get, path, null, ct);
                answer = await response.Content.ReadFromJsonAsync<ZoomParticipantPage>(Json, ct);
            }
            catch (ZoomException e) when (e.Status == 404 && page == 0)
            {
                return null;
            }
            all.AddRange(answer?.Participants ?? []);
            next = answer?.NextPageToken;
            if (string.IsNullOrEmpty(next)) return all;
        }
        throw new ZoomException(200, null, $"the participants report has more than {maxPages} pages");
    }
}
