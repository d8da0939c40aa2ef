using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace EventPortal.Tests.Infrastructure;

/// <summary>The console's event form as a browser sends it: a new event's fields, and editing an event by its own form.</summary>
public static class ConsoleForms
{
    /// <summary>A new event as the console's form sends it: 2030-03-06 12:00–13:00 Tokyo, one live ticket.</summary>
    public static Dictionary<string, string> NewEventForm(string slug) => new()
    {
        ["Form.Title"] = "コンソールで作った説明会", ["Form.Slug"] = slug, ["Form.Summary"] = "概要です。", ["Form.Description"] = "## 内容\n\n- 一つ目",
        ["Form.Date"] = "2030-03-06", ["Form.StartTime"] = "12:00", ["Form.EndTime"] = "13:00",
        ["Form.TimeZone"] = "Asia/Tokyo", ["Form.DoorsOpenMinutes"] = "5",
        ["Form.Venue"] = "オンライン(Zoom)", ["Form.OrganiserName"] = "事務局", ["Form.OrganiserEmail"] = "office@example.jp",
        ["Form.TicketTypes[0].Code"] = "live", ["Form.TicketTypes[0].Name"] = "ライブ参加", ["Form.TicketTypes[0].NameEn"] = "Live",
        ["Form.TicketTypes[0].Capacity"] = "100", ["Form.TicketTypes[0].Waitlist"] = "true", ["Form.TicketTypes[0].Kind"] = "live",
        ["Form.TicketTypes[1].Code"] = "recording", ["Form.TicketTypes[1].Name"] = "録画視聴", ["Form.TicketTypes[1].Kind"] = "recording",
        ["Form.Categories[0].Code"] = "municipal", ["Form.Categories[0].Name"] = "自治体職員", ["Form.Categories[0].NameEn"] = "Municipal staff",
    };

    /// <summary>Opens the edit page, reads every field of the event form as a browser would send it, changes some, and saves.</summary>
    public static async Task<HttpResponseMessage> EditAsync(HttpClient browser, string slug, Action<Dictionary<string, string>> change)
    {
        var fields = await FormFieldsAsync(browser, $"/admin/events/{slug}/edit");
        change(fields);
        return await browser.SubmitAsync($"/admin/events/{slug}/edit", $"/admin/events/{slug}/save", fields);
    }

    /// <summary>Every field of the page's form as a browser would send it (<paramref name="selector"/>: which form).</summary>
    public static async Task<Dictionary<string, string>> FormFieldsAsync(HttpClient browser, string path,
        string selector = "form.event-form")
    {
        var document = new HtmlParser().ParseDocument(await browser.GetStringAsync(path));
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(document.QuerySelector(selector));
        var fields = new Dictionary<string, string>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement { Type: "checkbox" } box when box.IsChecked: fields[box.Name!] = box.Value ?? "on"; break;
                case IHtmlInputElement { Type: "checkbox" }: break;
                case IHtmlInputElement input when input.Name is { Length: > 0 } name && name != "__RequestVerificationToken":
                    fields[name] = input.Value; break;
                case IHtmlTextAreaElement area: fields[area.Name!] = area.Value; break;
                case IHtmlSelectElement select: fields[select.Name!] = select.Value ?? ""; break;
            }
        }
        return fields;
    }
}
