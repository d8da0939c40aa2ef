using EventPortal.Calendar;
using EventPortal.Web.Calendar;

namespace EventPortal.Tests.Calendar;

public sealed class AddToCalendarTests
{
    internal static readonly CalendarEvent Entry = new()
    {
        Uid = "event-1-reg-2@portal.example.jp",
        Sequence = 0,
        StartUtc = new DateTime(2027, 3, 6, 3, 0, 0, DateTimeKind.Utc),
        EndUtc = new DateTime(2027, 3, 6, 4, 0, 0, DateTimeKind.Utc),
        TimeZoneId = "Asia/Tokyo",
        StampUtc = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        Summary = "成果報告会 & Q&A",
        Description = "参加用リンク: https://portal.example.jp/j/abc\n改行",
        Location = "https://portal.example.jp/j/abc",
        Organizer = new CalendarPerson("office@example.jp", "事務局"),
    };

    [Fact]
    public void Google_gets_UTC_times_and_percent_encoded_UTF8()
    {
        var url = new Uri(AddToCalendar.Google(Entry));
        Assert.Equal("calendar.google.com", url.Host);
        Assert.Contains("dates=20270306T030000Z/20270306T040000Z", url.Query);
        Assert.Contains("text=%E6%88%90%E6%9E%9C%E5%A0%B1%E5%91%8A%E4%BC%9A%20%26%20Q%26A", url.Query);
        Assert.Contains("details=%E5%8F%82%E5%8A%A0", url.Query);
        Assert.Contains("%0A", url.Query);
        Assert.Contains("ctz=Asia%2FTokyo", url.Query);
    }

    [Fact]
    public void Outlook_work_and_personal_get_ISO_UTC_times()
    {
        foreach (var (link, host) in new[]
        {
            (AddToCalendar.OutlookWork(Entry), "outlook.office.com"),
            (AddToCalendar.OutlookPersonal(Entry), "outlook.live.com")
        })
        {
            var url = new Uri(link);
            Assert.Equal(host, url.Host);
            Assert.Equal("/calendar/deeplink/compose", url.AbsolutePath);
            Assert.Contains("rru=addevent", url.Query);
            Assert.Contains("startdt=2027-03-06T03%3A00%3A00Z", url.Query);
            Assert.Contains("enddt=2027-03-06T04%3A00%3A00Z", url.Query);
            Assert.Contains("subject=%E6%88%90%E6%9E%9C", url.Query);
            Assert.Contains("location=https%3A%2F%2Fportal.example.jp%2Fj%2Fabc", url.Query);
        }
    }
}
