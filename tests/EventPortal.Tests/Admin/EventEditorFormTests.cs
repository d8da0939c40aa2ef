using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;
using static EventPortal.Tests.Infrastructure.ConsoleForms;

namespace EventPortal.Tests.Admin;

/// <summary>The console's event form itself: rows added without JavaScript, errors on the row typed in, times kept to the second.</summary>
public sealed class EventEditorFormTests : IAsyncLifetime
{
    PortalApp _app = null!;
    HttpClient _browser = null!;

    public async Task InitializeAsync()
    {
        _app = await PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
        _browser = await _app.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Adding_a_row_works_without_JavaScript_keeps_what_was_typed_and_stores_nothing()
    {
        var fields = await FormFieldsAsync(_browser, "/admin/events/new");
        Assert.Contains("Form.Speakers[1].Name", fields.Keys);
        Assert.DoesNotContain("Form.Speakers[2].Name", fields.Keys);
        fields["Form.Title"] = "行を足している途中";
        fields["Form.Speakers[0].Name"] = "山田 太郎";
        fields["list"] = "speakers";

        var response = await _browser.SubmitAsync("/admin/events/new", "/admin/events/new/add", fields);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("value=\"行を足している途中\"", html);
        Assert.Contains("value=\"山田 太郎\"", html);
        Assert.Matches("<input [^>]*autofocus=\"autofocus\" id=\"f-speakers\\[2\\].name\" [^>]*name=\"Form.Speakers\\[2\\].Name\"", html);
        Assert.DoesNotContain("name=\"Form.Speakers[3].Name\"", html);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task An_error_names_the_row_it_was_typed_in_even_after_a_blank_row()
    {
        var fields = NewEventForm("blank-row-first");
        fields["Form.Speakers[0].Name"] = "";                 // row 0 left blank, as a browser sends it
        fields["Form.Speakers[1].Affiliation"] = "テスト大学";   // and no name on row 1

        var response = await _browser.SubmitAsync("/admin/events/new", "/admin/events/new/save", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<a href=\"#f-speakers[1].name\">登壇者 2 行目: 名前: ", html);
        Assert.Matches("<input aria-describedby=\"e-speakers\\[1\\].name\" aria-invalid=\"true\" [^>]*id=\"f-speakers\\[1\\].name\"", html);
        Assert.Contains("id=\"e-speakers[1].name\"", html);
        Assert.Contains("value=\"テスト大学\"", html);
    }

    [Fact]
    public async Task Times_set_to_the_second_through_the_API_stay_when_the_console_saves_without_touching_them()
    {
        using var api = _app.Api();
        var created = await api.PostAsJsonAsync("/api/admin/events", new
        {
            slug = "to-the-second", title = "秒まで指定", timeZone = "Asia/Tokyo",
            startsAt = "2030-03-06T12:00:30+09:00", endsAt = "2030-03-06T13:00:45+09:00",
            ticketTypes = new[] { new { code = "live", name = "ライブ参加", salesStart = "2030-02-01T09:00:15+09:00" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var saved = await EditAsync(_browser, "to-the-second", f => f["Form.Title"] = "秒はそのまま");

        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal(
            new DateTime(2030, 3, 6, 3, 0, 30),
            await _app.QueryOneAsync<DateTime>("SELECT starts_at FROM events WHERE slug = 'to-the-second'"));
        Assert.Equal(
            new DateTime(2030, 3, 6, 4, 0, 45),
            await _app.QueryOneAsync<DateTime>("SELECT ends_at FROM events WHERE slug = 'to-the-second'"));
        Assert.Equal(
            new DateTime(2030, 2, 1, 0, 0, 15),
            await _app.QueryOneAsync<DateTime>("SELECT sales_start FROM ticket_types WHERE code = 'live'"));

        var moved = await EditAsync(_browser, "to-the-second", f => f["Form.StartTime"] = "11:30");

        Assert.Equal(HttpStatusCode.SeeOther, moved.StatusCode);
        Assert.Equal(
            new DateTime(2030, 3, 6, 2, 30, 0),
            await _app.QueryOneAsync<DateTime>("SELECT starts_at FROM events WHERE slug = 'to-the-second'"));
        Assert.Equal(
            new DateTime(2030, 3, 6, 4, 0, 45),
            await _app.QueryOneAsync<DateTime>("SELECT ends_at FROM events WHERE slug = 'to-the-second'"));
    }
}
