using Dapper;
using EventPortal.Web.Attendance;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Meetings;
using EventPortal.Web.Outbox;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/events/{slug}/attendance</c>: who came. The provider report's last import (and "import
/// now"), the threshold in minutes, and a CSV import with a dry run: the first POST lists what the
/// file would change and every row's problem; the second (the checked text sent back) applies it in
/// one transaction, only when no row has a problem. <c>POST …/attendance/mark</c> marks the ticked
/// rows of the registrations list, or every row its filter matches.
/// </summary>
public sealed class AttendancePageModel(Db db, TimeProvider clock) : PageModel
{
    internal const string LastImportSql = $"""
        SELECT status, attempts, due_at, last_error FROM outbox
        WHERE event_id = @Id AND kind = '{AttendanceReports.Kind}' AND {OutboxRows.NotFirstMail}
        ORDER BY due_at DESC, id DESC LIMIT 1
        """;

    public const int MaxMinutes = 24 * 60;

    public EventSpec Event { get; private set; } = null!;
    public EventAttendance State { get; private set; } = new();
    public ReportSummary? Report => ReportSummary.Parse(State.AttendanceReport);
    public ImportRow? LastImport { get; private set; }
    public string? NoticeKey { get; private set; }
    public string? ErrorKey { get; private set; }

    /// <summary>The dry run's result: what the file says and its problems.</summary>
    public IReadOnlyList<AttendanceLine>? Preview { get; private set; }
    public IReadOnlyList<AttendanceLineError> Errors { get; private set; } = [];
    public bool ProviderMeeting => Event.MeetingProvider is nameof(MeetingProvider.Zoom) or nameof(MeetingProvider.Teams);

    public sealed class EventAttendance
    {
        public int AttendanceMinutes { get; init; }
        public DateTime? AttendanceReportAt { get; init; }
        public string? AttendanceReport { get; init; }
        public string? MeetingExternalId { get; init; }
    }

    public sealed class ImportRow
    {
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime DueAt { get; init; }
        public string? LastError { get; init; }
    }

    static readonly Dictionary<string, string> Notices = new()
    {
        ["threshold"] = "attendance.doneThreshold", ["report"] = "attendance.doneReport", ["imported"] = "attendanceImport.done",
    };

    public async Task<IActionResult> OnGetAsync(string slug, string? done, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        NoticeKey = done is not null && Notices.TryGetValue(done, out var key) ? key : null;
        return Page();
    }

    public async Task<IActionResult> OnPostThresholdAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        if (!int.TryParse(Request.Form["minutes"], out var minutes) || minutes is < 0 or > MaxMinutes)
            return Refuse("attendance.errorThreshold");
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition("UPDATE events SET attendance_minutes = @minutes WHERE id = @Id",
                new { minutes, Event.Id }, tx, cancellationToken: ct));
            await Audit.WriteAsync(c, tx, HttpContext, "event.attendance_minutes", Event.Slug, $"{minutes}", now, ct);
            return 0;
        }, ct);
        return Done("threshold");
    }

    /// <summary>Reads the provider's report again now (after a late recording of the meeting, or a changed threshold).</summary>
    public async Task<IActionResult> OnPostReportAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var now = clock.GetUtcNow().UtcDateTime;
        if (!ProviderMeeting || State.MeetingExternalId is null) return Refuse("attendance.errorNoMeeting");
        if (now < Event.EndsAt) return Refuse("attendance.errorNotEnded");
        await db.WriteAsync(async (c, tx) =>
        {
            await AttendanceReports.QueueAsync(c, tx, Event.Id, Event.EndsAt, now, ct, atOnce: true);
            await Audit.WriteAsync(c, tx, HttpContext, "event.attendance_report", Event.Slug, "queued", now, ct);
            return 0;
        }, ct);
        return Done("report");
    }

    /// <summary>
    /// First step: the file is read and checked (<see cref="Preview"/>, <see cref="Errors"/>), nothing changes. Second
    /// step (<c>apply=1</c>): the checked marks come back as a compact list (<see cref="CheckedMarks"/>), not the file,
    /// so a file of thousands of rows fits the form limits; each is checked again and applied in one transaction.
    /// </summary>
    public async Task<IActionResult> OnPostImportAsync(string slug, IFormFile? file, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var now = clock.GetUtcNow().UtcDateTime;
        if (Request.Form["apply"] == "1")
        {
            if (AttendanceCsv.ReadMarks(Request.Form["marks"].ToString()) is not { Count: > 0 } marks)
                return Refuse("attendanceImport.errorMarks", StatusCodes.Status422UnprocessableEntity);
            await RegistrationActions.MarkAttendanceAsync(db, HttpContext, Event.Id, marks, AttendanceSource.Import, now, ct);
            return Done("imported");
        }
        if (file is null || file.Length == 0) return Refuse("attendanceImport.errorNoFile");
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        await using (var connection = await db.OpenAsync(ct))
        {
            var known = (await connection.QueryAsync<KnownRegistration>(new CommandDefinition(
                "SELECT id AS Id, email AS Email FROM registrations WHERE event_id = @Id", new { Event.Id },
                cancellationToken: ct))).AsList();
            (Preview, Errors) = AttendanceCsv.Read(Shared.CsvFile.Decode(buffer.ToArray()), known);
        }
        Response.StatusCode = Errors.Count > 0 ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK;
        return Page();
    }

    /// <summary>The checked marks as the apply step sends them back: <c>id:1</c>, <c>id:0</c> or <c>id:-</c>, comma-separated.</summary>
    public string CheckedMarks => string.Join(",", (Preview ?? []).Select(l =>
        $"{l.RegistrationId}:{(l.Attended switch { true => "1", false => "0", null => "-" })}"));

    /// <summary>From the registrations list: the ticked rows (<c>id</c>), or with <c>scope=filter</c> all the filter matches.</summary>
    public async Task<IActionResult> OnPostMarkAsync(string slug, CancellationToken ct)
    {
        if (!await LoadAsync(slug, ct)) return NotFound();
        var form = Request.Form;
        var filter = RegistrationFilter.From(new QueryCollection(form.ToDictionary(f => f.Key, f => f.Value)));
        var back = $"/admin/events/{Uri.EscapeDataString(Event.Slug)}/registrations{filter.QueryString()}";
        // Not one of the three choices: refused, never taken as a default.
        if (form["mark"].ToString() is not ("yes" or "no" or "unknown") || !AttendanceCsv.TryMark(form["mark"].ToString(), out var mark))
            return Refuse("attendance.errorMark");
        List<long> ids;
        if (form["scope"] == "filter")
        {
            await using var connection = await db.OpenAsync(ct);
            ids = (await connection.QueryAsync<long>(new CommandDefinition(
                $"SELECT r.id FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id WHERE {RegistrationFilter.Where}",
                filter.Parameters(Event.Id), cancellationToken: ct))).AsList();
        }
        else ids = form["id"].Select(v => long.TryParse(v, out var id) ? id : 0).Where(id => id > 0).ToList();
        if (ids.Count == 0) return Redirect(back, "markNone");
        // One transaction with an audit row each: as many as the admin API takes at once.
        if (ids.Count > RegistrationsAdminApi.MaxMarks) return Refuse("attendance.errorTooMany");
        var marked = await RegistrationActions.MarkAttendanceAsync(db, HttpContext, Event.Id, ids.Select(id => (id, mark)).ToList(),
            AttendanceSource.Console, clock.GetUtcNow().UtcDateTime, ct);
        return Redirect(back, "marked", marked.Count);
    }

    IActionResult Redirect(string back, string done, int? count = null) =>
        SeeOther($"{back}{(back.Contains('?') ? '&' : '?')}done={done}{(count is { } n ? $"&marked={n}" : "")}");

    IActionResult Done(string done) => SeeOther($"/admin/events/{Uri.EscapeDataString(Event.Slug)}/attendance?done={done}");

    /// <summary>Post/redirect/get: 303, so a reload does not post again.</summary>
    IActionResult SeeOther(string location)
    {
        Response.Headers.Location = location;
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    IActionResult Refuse(string key, int status = StatusCodes.Status400BadRequest)
    {
        ErrorKey = key;
        Response.StatusCode = status;
        return Page();
    }

    async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        if (await EventSpec.LoadAsync(db, slug, ct) is not { } e) return false;
        Event = e;
        await using var connection = await db.OpenAsync(ct);
        State = await connection.QuerySingleAsync<EventAttendance>(new CommandDefinition(
            "SELECT attendance_minutes, attendance_report_at, attendance_report, meeting_external_id FROM events WHERE id = @Id",
            new { e.Id }, cancellationToken: ct));
        LastImport = await connection.QueryFirstOrDefaultAsync<ImportRow>(new CommandDefinition(
            LastImportSql, new { e.Id }, cancellationToken: ct));
        return true;
    }
}
