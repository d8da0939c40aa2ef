using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace EventPortal.Web.Shared;

/// <summary>
/// What every CSV the console reads has in common (the attendance import, the registration import): Excel in Japan
/// saves Shift_JIS, others UTF-8 with or without a BOM; a header row names the columns in either language.
/// </summary>
public static class CsvFile
{
    /// <summary>UTF-8 (a BOM, or bytes that are valid UTF-8), else Shift_JIS (code page 932).</summary>
    public static string Decode(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble)) return Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(932)!.GetString(bytes);
        }
    }

    /// <summary>A lenient reader of records without a header of its own: rows may differ in length, blank lines are skipped.</summary>
    public static CsvParser Parser(string text) =>
        new(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = false, DetectColumnCountChanges = false, BadDataFound = null, IgnoreBlankLines = true,
        });

    /// <summary>The first column whose header is one of <paramref name="names"/> (any case, BOM and spaces ignored), or -1.</summary>
    public static int Column(string[] header, IEnumerable<string> names)
    {
        var wanted = names.ToList();
        for (var i = 0; i < header.Length; i++)
        {
            var h = header[i].Trim().TrimStart('\uFEFF').Trim();
            if (wanted.Any(n => string.Equals(h, n, StringComparison.OrdinalIgnoreCase))) return i;
        }
        return -1;
    }
}
