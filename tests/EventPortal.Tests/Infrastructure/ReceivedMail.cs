using System.Text.Json;

namespace EventPortal.Tests.Infrastructure;

/// <summary>One message as stored by the test SMTP server, with the envelope and mime_dump.py's view of it.</summary>
public sealed class ReceivedMail
{
    ReceivedMail(string file, byte[] raw, JsonElement envelope, JsonElement parsed)
    {
        File = file;
        Raw = raw;
        Parsed = parsed;
        RcptTos = envelope.TryGetProperty("rcptTos", out var r) ? r.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
        MailFrom = envelope.TryGetProperty("mailFrom", out var m) ? m.GetString() ?? "" : "";
        ReceivedAt = envelope.TryGetProperty("receivedAt", out var t) && t.GetString() is { } s
            ? DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture)
            : default;
        Tls = envelope.TryGetProperty("tls", out var tls) ? tls.GetString() : null;
        AuthUser = envelope.TryGetProperty("authUser", out var a) ? a.GetString() : null;
    }

    internal static async Task<ReceivedMail> LoadAsync(string file)
    {
        var raw = await System.IO.File.ReadAllBytesAsync(file);
        // The server writes the sidecar before the .eml, so it is there whenever the .eml is.
        using var envelope = JsonDocument.Parse(await System.IO.File.ReadAllBytesAsync(Path.ChangeExtension(file, ".json")));
        return new ReceivedMail(file, raw, envelope.RootElement.Clone(), await SmtpServer.MimeDumpAsync(file));
    }

    /// <summary>Path of the stored .eml.</summary>
    public string File { get; }
    /// <summary>The exact bytes the server received after DATA (dot-unstuffed).</summary>
    public byte[] Raw { get; }
    /// <summary>Envelope recipients (RCPT TO) the server accepted for this message.</summary>
    public IReadOnlyList<string> RcptTos { get; }
    /// <summary>Envelope sender (MAIL FROM).</summary>
    public string MailFrom { get; }
    public DateTimeOffset ReceivedAt { get; }
    /// <summary>The TLS version of the session that delivered it ("TLSv1.3"); null when it came in clear text.</summary>
    public string? Tls { get; }
    /// <summary>The user the session authenticated as (AUTH), or null without AUTH.</summary>
    public string? AuthUser { get; }
    /// <summary>mime_dump.py's output (see tests/tools/mime_dump.py).</summary>
    public JsonElement Parsed { get; }

    /// <summary>The parse error mime_dump.py reported, if any.</summary>
    public string? Error => Parsed.TryGetProperty("error", out var e) ? e.GetString() : null;

    JsonElement Root => Error is { } error ? throw new InvalidOperationException($"mime_dump.py could not parse {File}: {error}") : Parsed;

    public string Subject => Str(Root.GetProperty("subject"));
    public string FromName => From("name");
    public string FromAddress => From("address");
    /// <summary>The first To address (addr-spec only).</summary>
    public string To =>
        Root.GetProperty("to") is { ValueKind: JsonValueKind.Array } to && to.GetArrayLength() > 0 ? Str(to[0].GetProperty("address")) : "";
    public string MessageId => Str(Root.GetProperty("messageId"));
    /// <summary>The MIME tree, e.g. "multipart/mixed{multipart/alternative{text/plain,text/html},text/calendar}".</summary>
    public string Structure => Str(Root.GetProperty("structure"));

    public IReadOnlyList<string> HeaderNames => Root.GetProperty("headers").EnumerateArray().Select(h => Str(h[0])).ToList();

    /// <summary>Decoded (RFC 2047) value of the first header with that name, case-insensitive.</summary>
    public string? Header(string name) => Find("headers", name);

    /// <summary>The header's value as it appears in the file (encoded words and folding kept).</summary>
    public string? RawHeader(string name) => Find("rawHeaders", name);

    /// <summary>Decoded text of the first leaf with that content type (e.g. "text/calendar").</summary>
    public string? Text(string contentType) =>
        Leaves().FirstOrDefault(p => Is(p, contentType) && p.TryGetProperty("text", out _)) is { ValueKind: JsonValueKind.Object } part
            ? part.GetProperty("text").GetString()
            : null;

    /// <summary>The first part (container or leaf, document order) with that content type.</summary>
    public JsonElement? Part(string contentType) =>
        Root.GetProperty("parts").EnumerateArray().Where(p => Is(p, contentType)).Select(p => (JsonElement?)p).FirstOrDefault();

    /// <summary>Transfer-decoded bytes of the first leaf with that content type (and filename, when given).</summary>
    public byte[]? Bytes(string contentType, string? filename = null) =>
        Leaves().FirstOrDefault(p => Is(p, contentType) && (filename is null
                || (p.GetProperty("filename").ValueKind == JsonValueKind.String && p.GetProperty("filename").GetString() == filename)))
            is { ValueKind: JsonValueKind.Object } part
            ? Convert.FromBase64String(part.GetProperty("base64").GetString() ?? "")
            : null;

    public override string ToString() => Error is null
        ? $"{Path.GetFileName(File)} to {string.Join(", ", RcptTos)}: {Subject} [{Structure}]"
        : $"{Path.GetFileName(File)}: {Error}";

    IEnumerable<JsonElement> Leaves() => Root.GetProperty("parts").EnumerateArray().Where(p => p.GetProperty("leaf").GetBoolean());

    static bool Is(JsonElement part, string contentType) =>
        string.Equals(part.GetProperty("contentType").GetString(), contentType, StringComparison.OrdinalIgnoreCase);

    string? Find(string list, string name) =>
        Root.GetProperty(list).EnumerateArray()
            .Where(h => string.Equals(h[0].GetString(), name, StringComparison.OrdinalIgnoreCase))
            .Select(h => h[1].GetString())
            .FirstOrDefault();

    string From(string field) => Root.GetProperty("from") is { ValueKind: JsonValueKind.Object } from ? Str(from.GetProperty(field)) : "";

    static string Str(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";
}
