using System.Globalization;
using System.Text;
using EventPortal.Web.Localization;
using EventPortal.Web.Shared;

namespace EventPortal.Web.Attendance;

/// <summary>One row of an attendance file that names a registration and a mark.</summary>
public sealed record AttendanceLine(int Row, long RegistrationId, bool? Attended);

/// <summary>A problem with one row (or the file, row 0), as a text key and its arguments.</summary>
public sealed record AttendanceLineError(int Row, string Key, params object[] Args);

/// <summary>A registration of the event as the file may name it.</summary>
public sealed record KnownRegistration(long Id, string Email);

/// <summary>
/// Reads an attendance file: the console's own CSV export with its 出欠 column filled in, or any
/// sheet with a header row naming the registration number (申込番号 / ID) or the e-mail address,
/// and 出欠 / Attendance. Excel in Japan saves Shift_JIS; UTF-8 with or without a BOM is read too.
/// Marks: 出席 / 欠席 / 未記録 (and ○ × 1 0 yes no, in either language); an empty mark leaves the row
/// out. Every row's problem is listed; nothing is applied while there is one. Decoding: <see cref="CsvFile.Decode"/>.
/// </summary>
public static class AttendanceCsv
{
    public const int MaxRows = 20_000;

    static readonly string[] IdHeaders = ["申込番号", "受付番号", "番号", "id", "no", "registration", "registration id"];
    static readonly string[] EmailHeaders = ["メールアドレス", "メール", "email", "e-mail", "mail"];
    static readonly string[] MarkHeaders = ["出欠", "出席", "attendance", "attended"];

    public static (List<AttendanceLine> Lines, List<AttendanceLineError> Errors) Read(string text, IReadOnlyList<KnownRegistration> known)
    {
        var lines = new List<AttendanceLine>();
        var errors = new List<AttendanceLineError>();
        var ids = known.Select(k => k.Id).ToHashSet();
        var byEmail = known.GroupBy(k => k.Email.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(k => k.Id).ToList(), StringComparer.OrdinalIgnoreCase);
        using var parser = CsvFile.Parser(text);
        if (!parser.Read() || parser.Record is not { } header)
            return (lines, [new AttendanceLineError(0, "attendanceImport.errorEmpty")]);
        int idColumn = CsvFile.Column(header, IdHeaders), emailColumn = CsvFile.Column(header, EmailHeaders);
        var markColumn = CsvFile.Column(header, MarkHeaders);
        if (markColumn < 0 || (idColumn < 0 && emailColumn < 0))
            return (lines, [new AttendanceLineError(1, "attendanceImport.errorHeader")]);
        var seen = new Dictionary<long, (int Row, bool? Mark)>();
        while (parser.Read())
        {
            var row = parser.Row;
            if (row > MaxRows + 1)
            {
                errors.Add(new AttendanceLineError(row, "attendanceImport.errorTooMany", MaxRows));
                break;
            }
            var cells = parser.Record ?? [];
            string Cell(int i) => i >= 0 && i < cells.Length ? cells[i].Trim() : "";
            var markText = Cell(markColumn);
            if (markText.Length == 0) continue;
            if (!TryMark(markText, out var mark))
            {
                errors.Add(new AttendanceLineError(row, "attendanceImport.errorMark", Clip(markText)));
                continue;
            }
            long? id = null;
            var idText = Cell(idColumn);
            var email = Cell(emailColumn);
            if (idText.Length > 0)
            {
                if (long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && ids.Contains(n)) id = n;
                else errors.Add(new AttendanceLineError(row, "attendanceImport.errorId", Clip(idText)));
            }
            else if (email.Length > 0)
            {
                if (!byEmail.TryGetValue(email, out var found))
                    errors.Add(new AttendanceLineError(row, "attendanceImport.errorEmail", Clip(email)));
                else if (found.Count > 1) errors.Add(new AttendanceLineError(row, "attendanceImport.errorEmailTwice", Clip(email)));
                else id = found[0];
            }
            else errors.Add(new AttendanceLineError(row, "attendanceImport.errorNoKey"));
            if (id is not { } registrationId) continue;
            if (seen.TryGetValue(registrationId, out var before))
            {
                if (before.Mark != mark) errors.Add(new AttendanceLineError(row, "attendanceImport.errorTwice", before.Row));
                continue;
            }
            seen[registrationId] = (row, mark);
            lines.Add(new AttendanceLine(row, registrationId, mark));
        }
        if (lines.Count == 0 && errors.Count == 0) errors.Add(new AttendanceLineError(0, "attendanceImport.errorNoRows"));
        return (lines, errors);
    }

    /// <summary>
    /// The apply step's list (<c>12:1,13:0,14:-</c>), or null when any entry is not one: a registration number and
    /// 1, 0 or - (not recorded). Which numbers are the event's registrations is checked when they are marked.
    /// </summary>
    public static List<(long Id, bool? Attended)>? ReadMarks(string text)
    {
        var marks = new List<(long, bool?)>();
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':');
            if (marks.Count >= MaxRows || parts.Length != 2
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                return null;
            if (parts[1] is not ("1" or "0" or "-")) return null;
            marks.Add((id, parts[1] == "-" ? null : parts[1] == "1"));
        }
        return marks;
    }

    /// <summary>出席 / 欠席 / 未記録 in either language (the export's own words), and the usual shorthands.</summary>
    public static bool TryMark(string text, out bool? attended)
    {
        var t = text.Normalize(NormalizationForm.FormKC).Trim().ToLowerInvariant();
        attended = null;
        if (Matches(t, "adminRegistrations.attended") || t is "○" or "◯" or "1" or "yes" or "y" or "true" or "出" or "済")
        {
            attended = true;
            return true;
        }
        if (Matches(t, "adminRegistrations.absent") || t is "×" or "x" or "0" or "no" or "n" or "false" or "欠")
        {
            attended = false;
            return true;
        }
        return Matches(t, "adminRegistrations.attendanceUnknown") || t is "-" or "未" or "unknown";
    }

    static bool Matches(string t, string key) =>
        Text.Languages.Any(language => string.Equals(t, Text.Get(key, language), StringComparison.OrdinalIgnoreCase));

    static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
