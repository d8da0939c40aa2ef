using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Core;

namespace EventPortal.Tests.Infrastructure;

/// <summary>The report endpoints of the fakes answer as their documentation says: shapes, paging, errors.</summary>
public sealed class ProviderReportFakesTests
{
    static readonly DateTimeOffset Start = new(2031, 3, 6, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Zooms_participants_report_is_404_until_published_then_pages_by_next_page_token()
    {
        await using var zoom = await FakeZoom.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(zoom.BaseAddress) };
        const string Path = "/v2/report/meetings/81234567890/participants";
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Path)).StatusCode);

        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post,
            $"/oauth/token?grant_type=account_credentials&account_id={zoom.AccountId}");
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{zoom.ClientId}:{zoom.ClientSecret}")));
        var token = (await (await http.SendAsync(tokenRequest)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetString());

        var missing = await http.GetAsync(Path);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var error = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((3001, "Meeting does not exist: 81234567890."),
            (error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString()));

        zoom.MaxReportPageSize = 2;
        zoom.SetParticipantsReport(81234567890, Enumerable.Range(1, 5).Select(i =>
            new FakeZoomParticipant($"P{i}", $"p{i}@example.jp", Start, Start.AddMinutes(i), i % 2 == 0 ? $"reg{i}" : null)));
        var names = new List<string>();
        var pages = 0;
        var next = "";
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>(
                $"{Path}?page_size=300" + (next.Length > 0 ? "&next_page_token=" + Uri.EscapeDataString(next) : ""));
            pages++;
            Assert.Equal((3, 2, 5), (page.GetProperty("page_count").GetInt32(), page.GetProperty("page_size").GetInt32(),
                page.GetProperty("total_records").GetInt32()));
            foreach (var p in page.GetProperty("participants").EnumerateArray())
            {
                names.Add(p.GetProperty("name").GetString()!);
                var minutes = int.Parse(p.GetProperty("name").GetString()![1..], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(minutes * 60, p.GetProperty("duration").GetInt32());
                Assert.Equal(minutes % 2 == 0, p.TryGetProperty("registrant_id", out _));
                Assert.Equal("2031-03-06T03:00:00Z", p.GetProperty("join_time").GetString());
            }
            next = page.GetProperty("next_page_token").GetString()!;
        } while (next.Length > 0);
        Assert.Equal(3, pages);
        Assert.Equal(["P1", "P2", "P3", "P4", "P5"], names);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(Path + "?page_size=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(Path + "?next_page_token=forged")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v2/report/meetings/81234567891/participants")).StatusCode);
    }

    [Fact]
    public async Task Graphs_attendance_reports_list_sessions_and_page_records_by_next_link()
    {
        await using var graph = await FakeGraph.StartAsync();
        using var http = new HttpClient(graph.CreateTrustingHandler()) { BaseAddress = new Uri(graph.AuthorityHost) };
        var meetings = $"/v1.0/users/{graph.OrganiserUserId}/onlineMeetings";
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{meetings}/MSoX/attendanceReports")).StatusCode);

        var token = await graph.CreateCredential().GetTokenAsync(new TokenRequestContext([FakeGraph.GraphScope]), default);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        var created = await http.PostAsJsonAsync($"{meetings}/createOrGet", new
        {
            subject = "成果報告会", startDateTime = Start, endDateTime = Start.AddHours(1), externalId = "eventportal-event-1",
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{meetings}/MSoUnknown/attendanceReports")).StatusCode);

        var none = await http.GetFromJsonAsync<JsonElement>($"{meetings}/{id}/attendanceReports");
        Assert.Equal(0, none.GetProperty("value").GetArrayLength());

        graph.AttendanceRecordsPageSize = 2;
        var report = graph.AddAttendanceReport(id, Start, Start.AddHours(1), Enumerable.Range(1, 3).Select(i =>
            new FakeAttendanceRecord($"p{i}@example.jp", $"P{i}",
                [(Start, Start.AddMinutes(i)), (Start.AddMinutes(30), Start.AddMinutes(40))])));
        var listed = (await http.GetFromJsonAsync<JsonElement>($"{meetings}/{id}/attendanceReports")).GetProperty("value")[0];
        Assert.Equal((report.Id, 3, "2031-03-06T03:00:00.0000000Z"), (listed.GetProperty("id").GetString(),
            listed.GetProperty("totalParticipantCount").GetInt32(), listed.GetProperty("meetingStartDateTime").GetString()));

        var first = await http.GetFromJsonAsync<JsonElement>($"{meetings}/{id}/attendanceReports/{report.Id}/attendanceRecords");
        Assert.Equal(2, first.GetProperty("value").GetArrayLength());
        var record = first.GetProperty("value")[0];
        Assert.Equal(("p1@example.jp", 660, "P1", 2), (record.GetProperty("emailAddress").GetString(),
            record.GetProperty("totalAttendanceInSeconds").GetInt32(),
            record.GetProperty("identity").GetProperty("displayName").GetString(),
            record.GetProperty("attendanceIntervals").GetArrayLength()));
        var nextLink = first.GetProperty("@odata.nextLink").GetString()!;
        Assert.StartsWith(graph.BaseUrl + "/users/", nextLink);
        Assert.Contains("$skiptoken=", nextLink);
        var second = await http.GetFromJsonAsync<JsonElement>(nextLink);
        Assert.Equal("p3@example.jp", Assert.Single(second.GetProperty("value").EnumerateArray()).GetProperty("emailAddress").GetString());
        Assert.False(second.TryGetProperty("@odata.nextLink", out _));

        var forged = await http.GetAsync($"{meetings}/{id}/attendanceReports/{report.Id}/attendanceRecords?$skiptoken=forged");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var post = await http.PostAsJsonAsync($"{meetings}/{id}/attendanceReports", new { });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
