using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Admin;

namespace EventPortal.Tests.Admin;

/// <summary>One field: the injection rule first, then RFC 4180 quoting.</summary>
public sealed class CsvFieldTests
{
    [Theory]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+81 3 1234", "'+81 3 1234")]
    [InlineData("-5", "'-5")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("\nx", "\"'\nx\"")]
    [InlineData("a=b", "a=b")]
    [InlineData("say \"hi\", then", "\"say \"\"hi\"\", then\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("", "")]
    public void A_field_is_neutralised_then_quoted(string value, string expected)
    {
        var line = new StringBuilder();
        Csv.AppendField(line, value);
        Assert.Equal(expected, line.ToString());
    }
}

/// <summary>
/// The attendee export as Excel in Japan needs it, read back by an independent RFC 4180
/// parser (Python's csv module, strict) rather than by looking for substrings. Run on
/// SQLite and on PostgreSQL.
/// </summary>
public abstract class CsvExport
{
    protected abstract Task<PortalApp> StartAsync();

    static readonly string[] JapaneseHeader =
    [
        "申込番号", "申込日時", "状態", "チケット", "姓", "名", "フリガナ", "メールアドレス", "所属", "参加者区分",
        "合理的配慮のご希望", "登壇者への質問", "出欠", "同意日時", "繰り上げ日時", "キャンセル日時", "言語",
        "出欠の記録元", "参加時間(分)", "入室日時",
    ];

    [Fact]
    public async Task The_export_is_utf8_with_bom_crlf_rfc4180_and_formula_safe_with_a_column_per_question()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        var eventId = await app.QueryOneAsync<long>("SELECT id FROM events WHERE slug = @slug", new { slug });
        await app.ExecuteAsync("""
            INSERT INTO event_questions (event_id, code, label_ja, label_en, position) VALUES
                (@eventId, 'how', 'どこで知りましたか', 'How did you hear of us?', 2),
                (@eventId, 'city', '=市区町村', 'City', 1)
            """, new { eventId });
        var takahashi = await app.RegisterPersonAsync(slug, "takahashi@example.jp", family: "髙橋", given: "𠮷子", reading: "タカハシ ヨシコ",
            organization: "=CMD|' /C calc'!A0", questions: "質問です。\n2行目, \"引用\"あり",
            answers: new() { ["how"] = "=HYPERLINK(\"http://evil\")", ["city"] = "横浜市" });
        await app.RegisterPersonAsync(slug, "plus@example.jp", family: "+81", given: "-1", organization: "@SUM(1)");
        var control = await app.RegisterPersonAsync(slug, "control@example.jp",
            family: "制御", accessibility: "筆談", answers: new() { ["how"] = "-知人" });
        // The validator trims leading tabs and line breaks, so put them in as an old import might have.
        await app.ExecuteAsync(
            "UPDATE registrations SET questions = @q, accessibility = @a WHERE id = @control",
            new { q = "\t=1+1", a = "\r=2+2\r\nand more", control });
        using var api = app.Api();

        var response = await api.GetAsync($"/api/admin/events/{slug}/registrations.csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 3, bytes.Length - 3);
        AssertRecordsEndInCrlf(text);

        var rows = ParseWithPython(bytes);
        Assert.Equal(4, rows.Count);
        Assert.Equal([.. JapaneseHeader, "'=市区町村", "どこで知りましたか"], rows[0]);
        var t = rows.Single(r => r[0] == takahashi.ToString());
        Assert.Equal(["髙橋", "𠮷子", "タカハシ\u3000ヨシコ", "takahashi@example.jp", "'=CMD|' /C calc'!A0"], t[4..9]);
        Assert.Equal("質問です。\n2行目, \"引用\"あり", t[11]);
        Assert.Equal("横浜市", t[20]);
        Assert.Equal("'=HYPERLINK(\"http://evil\")", t[21]);
        Assert.Equal(["申込完了", "ライブ参加"], t[2..4]);
        Assert.Equal("自治体職員", t[9]);
        Assert.Equal("未記録", t[12]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", t[1]);
        var p = rows.Single(r => r[7] == "plus@example.jp");
        Assert.Equal(["'+81", "'-1"], p[4..6]);
        Assert.Equal("'@SUM(1)", p[8]);
        var c = rows.Single(r => r[0] == control.ToString());
        Assert.Equal("'\t=1+1", c[11]);
        Assert.Equal("'\r=2+2\r\nand more", c[10]);
        Assert.Equal("'-知人", c[21]);
        Assert.Equal("", c[20]);
        // No cell of the whole file starts with something Excel would run.
        Assert.DoesNotContain(rows.SelectMany(r => r),
            cell => cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n');
    }

    [Fact]
    public async Task English_requests_get_english_headers_and_the_file_has_an_ascii_and_a_utf8_name()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync();
        await app.RegisterPersonAsync(slug, "a@example.jp");
        using var api = app.Api();
        api.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        var response = await api.GetAsync($"/api/admin/events/{slug}/registrations.csv");
        var rows = ParseWithPython(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(["ID", "Registered at", "Status", "Ticket", "Family name", "Given name"], rows[0][..6]);
        Assert.Equal(["Confirmed", "Live"], rows[1][2..4]);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Matches($"^registrations-{slug}-\\d{{8}}\\.csv$", disposition.FileName!.Trim('"'));
        Assert.Matches($"^registrations-{slug}-\\d{{8}}\\.csv$", disposition.FileNameStar!);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());

        using var ja = app.Api();
        var japanese = (await ja.GetAsync($"/api/admin/events/{slug}/registrations.csv")).Content.Headers.ContentDisposition!;
        Assert.StartsWith("申込者一覧-", japanese.FileNameStar);
        Assert.True(japanese.FileName!.All(char.IsAscii));
    }

    [Fact]
    public async Task The_console_export_keeps_the_filters_and_every_export_is_audited_without_personal_data()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        await app.RegisterPersonAsync(slug, "seated@example.jp");
        await app.RegisterPersonAsync(slug, "waiting@example.jp");
        await app.RegisterPersonAsync(slug, "recording@example.jp", ticket: "recording");
        using var browser = await app.SignedInAsync();

        var response = await browser.GetAsync($"/admin/events/{slug}/registrations.csv?status=active&ticket=live");
        var rows = ParseWithPython(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["seated@example.jp", "waiting@example.jp"], rows.Skip(1).Select(r => r[7]));
        Assert.Equal(["申込完了", "キャンセル待ち"], rows.Skip(1).Select(r => r[2]));
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/admin/events/{slug}/registrations.xlsx")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/admin/events/no-such-event/registrations.csv")).StatusCode);

        var audit = await app.QueryOneAsync<(string Actor, string Target, string Detail)>(
            "SELECT actor, target, detail FROM audit_log WHERE action = 'registrations.export'");
        Assert.Equal((Organisers.OwnerEmail, slug, "rows=2"), audit);

        using var api = app.Api();
        await api.GetAsync($"/api/admin/events/{slug}/registrations.csv");
        Assert.Equal("rows=3", await app.QueryOneAsync<string>(
            "SELECT detail FROM audit_log WHERE action = 'registrations.export' AND actor = 'api:bootstrap'"));
    }

    /// <summary>Outside quoted fields every line break is CRLF; inside them, the text's own breaks are kept.</summary>
    static void AssertRecordsEndInCrlf(string text)
    {
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"') quoted = !quoted;
            else if (!quoted && text[i] == '\n') Assert.True(i > 0 && text[i - 1] == '\r', $"bare LF at {i}");
            else if (!quoted && text[i] == '\r') Assert.True(i + 1 < text.Length && text[i + 1] == '\n', $"bare CR at {i}");
        }
        Assert.False(quoted, "unterminated quoted field");
        Assert.EndsWith("\r\n", text);
    }

    /// <summary>Python's csv module in strict mode: a malformed file raises instead of being guessed at.</summary>
    static List<string[]> ParseWithPython(byte[] csv)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, csv);
            var start = new ProcessStartInfo("/usr/bin/python3")
            {
                ArgumentList =
                {
                    "-c",
                    "import csv, io, json, sys\n" +
                    "with open(sys.argv[1], encoding='utf-8', newline='') as f:\n" +
                    "    text = f.read()\n" +
                    "assert text.startswith('\\ufeff'), 'no BOM'\n" +
                    "rows = list(csv.reader(io.StringIO(text[1:], newline=''), strict=True))\n" +
                    "json.dump(rows, sys.stdout, ensure_ascii=True)\n",
                    file,
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var python = Process.Start(start)!;
            var output = python.StandardOutput.ReadToEnd();
            var error = python.StandardError.ReadToEnd();
            python.WaitForExit();
            Assert.True(python.ExitCode == 0, "python csv: " + error);
            return JsonSerializer.Deserialize<List<string[]>>(output)!;
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class CsvExportOnSqlite : CsvExport
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class CsvExportOnPostgres : CsvExport
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
