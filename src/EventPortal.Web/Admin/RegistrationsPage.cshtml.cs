using System.Globalization;
using System.Text;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/registrations</c>: who registered, searchable and filterable by a GET
/// form (works without JavaScript), 100 a page, with counts per ticket and per category.
/// <c>/admin/events/{slug}/registrations.csv</c> is the same list, every page, for Excel.
/// </summary>
public sealed class RegistrationsPageModel(Db db) : PageModel
{
    public const int PageSize = 100;

    public EventSpec Event { get; private set; } = null!;
    public RegistrationFilter Filter { get; private set; } = RegistrationFilter.None;
    public IReadOnlyList<RegistrationRow> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
    public IReadOnlyList<StatusCount> Counts { get; private set; } = [];
    public IReadOnlyList<AnswerCounts.Question> Answers { get; private set; } = [];
    /// <summary>After a bulk attendance mark (<c>?done=marked&amp;marked=N</c>): what was done.</summary>
    public (string Key, int Count)? MarkedNotice { get; private set; }

    /// <param name="list">
    /// <c>registrations</c> or <c>registrations.csv</c>. The segment is an open parameter, not a
    /// regex constraint, so that literal and constrained siblings (<c>…/{slug}/edit</c>) win and
    /// the route enumeration in OrganiserAccessTests can fill it in; anything else is a 404.
    /// </param>
    public async Task<IActionResult> OnGetAsync(string slug, string list, CancellationToken ct)
    {
        if (list is not ("registrations" or "registrations.csv")) return NotFound();
        var e = await EventSpec.LoadAsync(db, slug, ct);
        if (e is null) return NotFound();
        (Event, Filter) = (e, RegistrationFilter.From(Request.Query));
        if (list == "registrations.csv")
        {
            await RegistrationsExport.WriteCsvAsync(HttpContext, db, e, Filter, ct);
            return new EmptyResult();
        }
        // "page" is Razor Pages' own route value, so the page number is read by hand.
        Response.Headers.CacheControl = "no-store";   // names and addresses: no copies in caches
        PageNumber = int.TryParse(Request.Query["page"], out var page) && page > 1 ? page : 1;
        MarkedNotice = Request.Query["done"].ToString() switch
        {
            "marked" when int.TryParse(Request.Query["marked"], out var n) && n >= 0 => ("attendance.doneMarked", n),
            "markNone" => ("attendance.doneMarkNone", 0),
            _ => null,
        };
        await using var connection = await db.OpenAsync(ct);
        Total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            RegistrationListQueries.Count, Filter.Parameters(e.Id), cancellationToken: ct));
        PageNumber = Math.Min(PageNumber, PageCount);
        var parameters = new DynamicParameters(Filter.Parameters(e.Id));
        parameters.Add("limit", PageSize);
        parameters.Add("offset", (PageNumber - 1) * PageSize);
        Rows = (await connection.QueryAsync<RegistrationRow>(new CommandDefinition(
            RegistrationListQueries.Page, parameters, cancellationToken: ct))).AsList();
        Counts = (await connection.QueryAsync<StatusCount>(new CommandDefinition(
            RegistrationListQueries.CountsByStatus, new { eventId = e.Id }, cancellationToken: ct))).AsList();
        Answers = await AnswerCounts.ReadAsync(db, e, Localization.Text.Current, ct);
        return Page();
    }

    public string PageLink(int page) => $"/admin/events/{Event.Slug}/registrations{Filter.QueryString(page)}";
    public string CsvLink => $"/admin/events/{Event.Slug}/registrations.csv{Filter.QueryString()}";
}

/// <summary>How many of some confirmed live registrations came: the attendance rate of a ticket or a category.</summary>
public readonly record struct AttendanceRate(int Confirmed, int Attended, int Absent)
{
    public int Unknown => Confirmed - Attended - Absent;
    /// <summary>Attended of those confirmed, or a dash when nobody is.</summary>
    public string Percent => Confirmed == 0 ? "—" : (100.0 * Attended / Confirmed).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static AttendanceRate Of(IEnumerable<StatusCount> counts)
    {
        var list = counts.ToList();
        return new(list.Sum(c => c.N), list.Where(c => c.Attended == true).Sum(c => c.N),
            list.Where(c => c.Attended == false).Sum(c => c.N));
    }
}

/// <summary>
/// A horizontal bar chart drawn on the server as inline SVG: no script, and screen readers
/// read its title, which carries every number (the page repeats them in a table).
/// </summary>
public static class BarChart
{
    public static string Svg(string id, string title, IReadOnlyList<(string Label, int Value)> bars)
    {
        const int row = 28, labelWidth = 220, barWidth = 340;
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var height = bars.Count * row + 4;
        var summary = title + ": " + string.Join(", ", bars.Select(b => $"{b.Label} {b.Value:N0}"));
        var svg = new StringBuilder();
        svg.Append($"<svg class=\"bar-chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title\" " +
            $"viewBox=\"0 0 640 {height}\" width=\"640\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append($"<title id=\"{id}-title\">{Escape(summary)}</title>");
        for (var i = 0; i < bars.Count; i++)
        {
            var y = i * row + 4;
            var width = (int)Math.Round((double)barWidth * bars[i].Value / max);
            svg.Append($"<text x=\"0\" y=\"{y + 16}\" font-size=\"14\" fill=\"currentColor\">{Escape(bars[i].Label)}</text>");
            svg.Append($"<rect x=\"{labelWidth}\" y=\"{y}\" width=\"{Math.Max(width, 1)}\" height=\"20\" fill=\"#2f6fb2\"></rect>");
            svg.Append($"<text x=\"{labelWidth + width + 6}\" y=\"{y + 16}\" font-size=\"14\" fill=\"currentColor\">" +
                $"{bars[i].Value:N0}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    // Apostrophes too, as Razor encodes them: a label is an organiser's free text.
    static string Escape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
}
