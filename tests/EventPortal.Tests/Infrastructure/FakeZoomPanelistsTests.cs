using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EventPortal.Tests.Infrastructure;

/// <summary>The fake Zoom's panelist endpoints answer as Zoom's API reference says: statuses, shapes, errors.</summary>
public sealed class FakeZoomPanelistsTests
{
    [Fact]
    public async Task Panelists_are_added_listed_and_removed_with_Zooms_statuses_and_shapes()
    {
        await using var zoom = await FakeZoom.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(zoom.BaseAddress) };
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post,
            $"/oauth/token?grant_type=account_credentials&account_id={zoom.AccountId}");
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{zoom.ClientId}:{zoom.ClientSecret}")));
        var token = (await (await http.SendAsync(tokenRequest)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetString());
        var made = await http.PostAsJsonAsync("/v2/users/me/webinars", new
        {
            topic = "成果報告会", type = 5, start_time = "2031-03-06T12:00:00", timezone = "Asia/Tokyo", duration = 60,
        });
        var webinar = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        zoom.AddOtherMeetings(1);
        var meeting = zoom.Meetings.Single(m => m.Kind == "meetings").Id;

        var added = await http.PostAsJsonAsync($"/v2/webinars/{webinar}/panelists",
            new { panelists = new[] { new { name = "山田 花子", email = "hanako@example.jp" } } });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var answer = await added.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(webinar.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.GetProperty("id").GetString());
        Assert.True(answer.TryGetProperty("updated_at", out _));

        var list = await http.GetFromJsonAsync<JsonElement>($"/v2/webinars/{webinar}/panelists");
        Assert.Equal(1, list.GetProperty("total_records").GetInt32());
        var panelist = list.GetProperty("panelists")[0];
        Assert.Equal(("hanako@example.jp", "山田 花子"), (panelist.GetProperty("email").GetString(), panelist.GetProperty("name").GetString()));
        Assert.StartsWith("https://", panelist.GetProperty("join_url").GetString());

        var path = $"/v2/webinars/{webinar}/panelists/{panelist.GetProperty("id").GetString()}";
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync(path)).StatusCode);
        var after = await http.GetFromJsonAsync<JsonElement>($"/v2/webinars/{webinar}/panelists");
        Assert.Equal(0, after.GetProperty("total_records").GetInt32());

        var onMeeting = await http.PostAsJsonAsync($"/v2/webinars/{meeting}/panelists",
            new { panelists = new[] { new { name = "x", email = "x@example.jp" } } });
        Assert.Equal(HttpStatusCode.NotFound, onMeeting.StatusCode);
        Assert.Equal(3001, (await onMeeting.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
        var noAddress = await http.PostAsJsonAsync($"/v2/webinars/{webinar}/panelists", new { panelists = new[] { new { name = "x" } } });
        Assert.Equal((HttpStatusCode.BadRequest, 300),
            (noAddress.StatusCode, (await noAddress.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32()));
    }
}
