using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventPortal.Tests.Attendance;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Surveys;

/// <summary>
/// After the doors close, end to end: a Zoom briefing ends, the outbox reads Zoom's participants report
/// and marks who came, two hours after the end the thank-you with the survey link reaches those who came
/// and the recording those who did not, each once (read from a real SMTP server); an attendee answers
/// from the link in the mail; the results and the CSV show it.
/// </summary>
public sealed partial class FollowUpJourney
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_report_marks_who_came_the_rules_follow_up_by_attendance_once_and_the_answers_reach_the_results(string engine)
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new TestClock(AttendanceKit.Before);
        var settings = zoom.Settings();
        settings["EventPortal:Mail:Transport"] = "Smtp";
        settings["EventPortal:Mail:Smtp:Host"] = "127.0.0.1";
        settings["EventPortal:Mail:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var app = await AttendanceKit.StartAsync(engine, settings, clock);
        var (slug, eventId) = await app.PublishedAsync("Zoom");
        var live = await app.RegisterAsync(slug, ["came@example.jp", "away@example.jp"]);
        await app.RegisterAsync(slug, ["rec@example.jp"], ticket: "recording");
        await smtp.WaitForAsync(3, TimeSpan.FromSeconds(30));    // the confirmations

        // The organiser opens a survey and adds a rule: the recording, two hours after the end, to whoever did not attend.
        using var browser = await app.SignedInAsync();
        var questions = await SurveyConsole.BuildAndOpenAsync(browser, app, slug);
        using var api = app.Api();
        var rules = (await api.GetFromJsonAsync<JsonArray>($"/api/admin/events/{slug}/reminders"))!;
        rules.Add(new JsonObject
        {
            ["offsetMinutes"] = 120, ["anchor"] = "end", ["audience"] = "all", ["attendance"] = "not_attended",
            ["subjectJa"] = "録画のご案内", ["bodyJa"] = "録画はこちらからご覧いただけます: {{watchUrl}}",
        });
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/admin/events/{slug}/reminders", rules)).StatusCode);
        // Set directly (updated_at moves, as every change does): the console's recording form would mail the recording
        // tickets at once, which is not this test's point.
        await app.ExecuteAsync("UPDATE events SET recording_url = 'https://video.example.jp/rec', updated_at = @now WHERE id = @eventId",
            new { eventId, now = DateTime.UtcNow });

        // The meeting: one attendee stays 50 minutes; Zoom's report appears after the end.
        var meetingId = long.Parse(await app.QueryOneAsync<string>("SELECT meeting_external_id FROM events WHERE id = @eventId",
            new { eventId }), System.Globalization.CultureInfo.InvariantCulture);
        zoom.SetParticipantsReport(meetingId, [new("出席 太郎", "came@example.jp", AttendanceKit.At(0), AttendanceKit.At(50))]);
        clock.Now = new DateTimeOffset(AttendanceKit.End).AddMinutes(11);
        await WaitAsync(async () => await app.QueryOneAsync<DateTime?>(
            "SELECT attendance_report_at FROM events WHERE id = @eventId", new { eventId }) is not null, "the report import");
        var marks = await app.MarksAsync(eventId);
        Assert.Equal((true, "zoom", 50), marks["came@example.jp"].Decision);
        Assert.Equal((false, "zoom", 0), marks["away@example.jp"].Decision);
        await smtp.WaitForAsync(3 + 3 + 2, TimeSpan.FromSeconds(30));   // the day before (3) and the hour before (2 live) fell due

        clock.Now = new DateTimeOffset(AttendanceKit.End).AddHours(2).AddMinutes(1);
        await smtp.WaitForAsync(11, TimeSpan.FromSeconds(30));
        clock.Now = clock.Now.AddDays(1);
        await Task.Delay(1500);                                        // anything sent twice would arrive now
        var all = await smtp.MessagesAsync();
        Assert.Equal(11, all.Count);
        List<ReceivedMail> To(string address, string subject) =>
            all.Where(m => m.RcptTos.Contains(address) && m.Subject.Contains(subject, StringComparison.Ordinal)).ToList();
        var thanks = Assert.Single(To("came@example.jp", "【御礼】"));
        Assert.Empty(To("came@example.jp", "録画のご案内"));
        // The recording link is the registrant's own /w/ door, which leads to the recording.
        Assert.Contains("https://portal.example.jp/w/", "" + Assert.Single(To("away@example.jp", "録画のご案内")).Text("text/plain"));
        Assert.Single(To("rec@example.jp", "録画のご案内"));
        Assert.Empty(To("away@example.jp", "【御礼】"));
        var text = thanks.Text("text/plain")!;
        var survey = SurveyLink().Match(text);
        Assert.True(survey.Success, text);

        using var attendee = app.Browser();
        var page = await attendee.GetStringAsync(survey.Groups[1].Value);
        var answer = Journeys.WithHiddenFields(page, "survey", new Dictionary<string, string>
            { [$"q{questions[0]}"] = "1", [$"q{questions[2]}"] = "5", [$"q{questions[3]}"] = "分かりやすかったです" });
        Assert.Equal(HttpStatusCode.SeeOther,
            (await attendee.PostAsync(survey.Groups[1].Value, new FormUrlEncodedContent(answer))).StatusCode);

        // The organiser's session of the morning has run out by now (the clock moved a day): they sign in again.
        using var organiser = await app.SignedInAsync();
        var results = await organiser.GetStringAsync($"/admin/events/{slug}/survey-results");
        Assert.Contains("回答数: 1", results);
        Assert.Contains("分かりやすかったです", results);
        var csv = Encoding.UTF8.GetString(await organiser.GetByteArrayAsync($"/admin/events/{slug}/survey-results/csv"));
        var row = Assert.Single(csv.Split("\r\n"), l => l.Contains("came@example.jp", StringComparison.Ordinal));
        Assert.Contains(",SNS,", row);
        Assert.Contains(",5,分かりやすかったです", row);
        Assert.StartsWith(live["came@example.jp"].ToString(System.Globalization.CultureInfo.InvariantCulture) + ",", row);
    }

    static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 30 s");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"https://portal\.example\.jp(/s/[A-Za-z0-9_-]+)")]
    private static partial Regex SurveyLink();
}
