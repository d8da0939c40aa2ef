using System.Text;
using Ical.Net;
using Ical.Net.Serialization;

namespace EventPortal.Calendar;

/// <summary>
/// Parameter values (a CN above all) encoded per RFC 6868 and quoted only when RFC 5545 needs
/// it. Ical.Net 5.2.4's <see cref="ParameterSerializer"/> writes <c>^</c> and line breaks as they
/// are and silently drops <c>"</c>, so an RFC 6868 reader (ical.js, libical in Evolution and
/// KDE) turns the name <c>にこにこ^^</c> into <c>にこにこ^</c>, <c>^n</c> into a line break, and
/// <c>山田 "やまちゃん" 太郎</c> loses its quotes; a raw line break even ends the content line.
/// Ical.Net builds every serializer through the <see cref="ISerializerFactory"/> of the
/// serialization context, so this replaces the one piece and leaves the rest (folding
/// included) to Ical.Net. <c>ParameterEncodingTests</c> shows Ical.Net's own output and ours.
/// </summary>
internal sealed class Rfc6868SerializerFactory : SerializerFactory
{
    public override ISerializer? Build(Type? objectType, SerializationContext ctx) =>
        objectType is not null && typeof(CalendarParameter).IsAssignableFrom(objectType)
            ? new Rfc6868ParameterSerializer(ctx)
            : base.Build(objectType, ctx);
}

internal sealed class Rfc6868ParameterSerializer(SerializationContext ctx) : ParameterSerializer(ctx)
{
    public override string? SerializeToString(object? obj) =>
        obj is CalendarParameter p ? p.Name + "=" + string.Join(",", p.Values.Select(v => Quoted(Encode(v ?? "")))) : null;

    /// <summary>
    /// RFC 6868 §3: <c>^</c> → <c>^^</c>, a line break (CRLF, CR or LF) → <c>^n</c>,
    /// <c>"</c> → <c>^'</c>. Other control characters cannot appear in a parameter (RFC 5545
    /// §3.1, QSAFE-CHAR) and have no encoding, so they are dropped.
    /// </summary>
    public static string Encode(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '^': sb.Append("^^"); break;
                case '"': sb.Append("^'"); break;
                case '\r' or '\n':
                    sb.Append("^n");
                    if (c == '\r' && i + 1 < value.Length && value[i + 1] == '\n')
                    {
                        i++;
                    }
                    break;
                default:
                    if (!char.IsControl(c))
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    // RFC 5545 §3.2: a value holding ":", ";" or "," must be a quoted-string.
    internal static string Quoted(string encoded) => encoded.AsSpan().IndexOfAny(":;,") >= 0 ? "\"" + encoded + "\"" : encoded;
}
