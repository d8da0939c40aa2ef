using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;
using Microsoft.Net.Http.Headers;

namespace EventPortal.Web.Admin;

/// <summary>
/// The attendee list for Excel users in Japan: UTF-8 with a BOM (without
/// it Excel reads Shift_JIS and shows mojibake), CRLF, RFC 4180 quoting, formula injection
/// neutralised, headers in the organiser's language, one column per custom question.
/// Rows go from an unbuffered query straight to the response, so 100,000 registrations
/// cost a row's worth of memory, not a list's (measured in bench/export.sh).
/// </summary>
public static class RegistrationsExport
{
    const int FlushEveryRows = 500;

    public static async Task WriteCsvAsync(HttpContext http, Db db, EventSpec e, RegistrationFilter filter, CancellationToken ct)
    {
        var language = Text.Current;
        var now = DateTime.UtcNow;
        var response = http.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = Attachment(e, now);
        // Personal data: no copies in caches or proxies.
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";

        var rows = 0;
        var completed = false;
        try
        {
            await using var connection = await db.OpenAsync(ct);
            await using var writer = new StreamWriter(
                response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024, leaveOpen: true);
            writer.NewLine = "\r\n";
            await writer.WriteAsync('\uFEFF');   // the BOM, written on purpose rather than left to the encoder
            var line = new StringBuilder(1024);
            Csv.AppendRow(line, Header(e, language));
            await writer.WriteAsync(line, ct);
            await foreach (var r in connection.QueryUnbufferedAsync<RegistrationRow>(RegistrationListQueries.All, filter.Parameters(e.Id))
                .WithCancellation(ct))
            {
                line.Clear();
                Csv.AppendRow(line, Cells(r, e, language));
                await writer.WriteAsync(line, ct);
                if (++rows % FlushEveryRows == 0) await writer.FlushAsync(ct);
            }
            await writer.FlushAsync(ct);
            completed = true;
        }
        finally
        {
            // The list leaves the building: say who took it, and how much (never what).
            await Audit.RecordAsync(db, http, "registrations.export", e.Slug, completed ? $"rows={rows}" : $"rows={rows} (aborted)", now);
        }
    }

    static string Attachment(EventSpec e, DateTime now)
    {
        var date = EventTime.Local(now, e.TimeZone).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var ascii = string.Concat(e.Slug.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return new ContentDispositionHeaderValue("attachment")
        {
            FileName = $"registrations-{ascii}-{date}.csv",
            FileNameStar = $"{Text.Get("adminRegistrations.fileName", Text.Current)}-{e.Slug}-{date}.csv",
        }.ToString();
    }

    static IEnumerable<string> Header(EventSpec e, string language) =>
        Columns.Select(key => Text.Get(key, language)).Concat(e.Questions.Select(q => q.Label(language)));

    /// <summary>The header keys, in the order <see cref="Cells"/> yields the values.</summary>
    static readonly string[] Columns =
    [
        "adminRegistrations.colId", "adminRegistrations.colCreatedAt", "adminRegistrations.colStatus", "adminRegistrations.colTicket",
        "adminRegistrations.colFamilyName", "adminRegistrations.colGivenName", "adminRegistrations.colReading",
        "adminRegistrations.colEmail", "adminRegistrations.colOrganization", "adminRegistrations.colCategory",
        "adminRegistrations.colAccessibility", "adminRegistrations.colQuestions", "adminRegistrations.colAttendance",
        "adminRegistrations.colConsentAt", "adminRegistrations.colPromotedAt", "adminRegistrations.colCancelledAt",
        "adminRegistrations.colLanguage", "adminRegistrations.colAttendanceSource", "adminRegistrations.colAttendedMinutes",
        "adminRegistrations.colJoinedAt",
    ];

    static IEnumerable<string> Cells(RegistrationRow r, EventSpec e, string language)
    {
        yield return r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return EventTime.Stamp(r.CreatedAt, e.TimeZone);
        yield return Text.Get("status." + r.Status, language);
        yield return e.TicketName(r.TicketTypeId, language);
        yield return r.FamilyName;
        yield return r.GivenName;
        yield return r.Reading;
        yield return r.Email;
        yield return r.Organization;
        yield return e.CategoryName(r.CategoryCode, language);
        yield return r.Accessibility;
        yield return r.Questions;
        yield return Text.Get(AttendanceKey(r.Attended), language);
        yield return EventTime.Stamp(r.ConsentAt, e.TimeZone);
        yield return EventTime.Stamp(r.PromotedAt, e.TimeZone);
        yield return EventTime.Stamp(r.CancelledAt, e.TimeZone);
        yield return r.Language;
        yield return r.AttendedSource is { } source ? Text.Get("attendance.source." + source, language) : "";
        yield return r.AttendedMinutes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        yield return EventTime.Stamp(r.JoinedAt, e.TimeZone);
        if (e.Questions.Count == 0) yield break;
        var answers = RegistrationAnswers.Parse(r.Answers);
        foreach (var q in e.Questions) yield return RegistrationAnswers.Display(answers.Get(q.Code), q.Options, language);
    }

    public static string AttendanceKey(bool? attended) => attended switch
    {
        true => "adminRegistrations.attended",
        false => "adminRegistrations.absent",
        null => "adminRegistrations.attendanceUnknown",
    };

    /// <summary>The same rows for the JSON API, streamed as they are read.</summary>
    public static async IAsyncEnumerable<object> JsonRowsAsync(Db db, EventSpec e, RegistrationFilter filter,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await foreach (var r in connection.QueryUnbufferedAsync<RegistrationRow>(RegistrationListQueries.All, filter.Parameters(e.Id))
            .WithCancellation(ct))
            yield return new
            {
                r.Id, r.Status, ticket = r.TicketCode, r.FamilyName, r.GivenName, r.Reading, r.Email, r.Organization,
                category = r.CategoryCode, r.Accessibility, r.Questions, answers = RegistrationAnswers.Parse(r.Answers), r.Language,
                r.Attended,
                attendance = new { attended = r.Attended, source = r.AttendedSource, markedAt = r.AttendedAt, minutes = r.AttendedMinutes,
                    r.JoinedAt },
                r.ConsentAt, r.CreatedAt, r.UpdatedAt, r.PromotedAt, r.CancelledAt,
            };
    }
}

/// <summary>RFC 4180 fields, made safe to open in a spreadsheet (OWASP "CSV Injection").</summary>
public static class Csv
{
    /// <summary>Appends one record: fields separated by commas, ended by CRLF.</summary>
    public static void AppendRow(StringBuilder line, IEnumerable<string> cells)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first) line.Append(',');
            first = false;
            AppendField(line, cell);
        }
        line.Append("\r\n");
    }

    /// <summary>
    /// A cell that starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, TAB, CR or LF is read by
    /// Excel as a formula (or pasted as one): it gets a leading <c>'</c>, so it shows as text.
    /// Then a field with a comma, a quote or a line break is quoted, quotes doubled.
    /// </summary>
    public static void AppendField(StringBuilder line, string? value)
    {
        value ??= "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n') value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(value);
            return;
        }
        line.Append('"').Append(value.Replace("\"", "\"\"")).Append('"');
    }
}
