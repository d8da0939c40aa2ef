using System.Buffers.Binary;
using System.IO.Hashing;

namespace EventPortal.Web.Events;

/// <summary>
/// Takes what a camera or an editor wrote about a picture out of an uploaded preview image before anyone can fetch it:
/// a phone photo's EXIF carries where it was taken (GPS), when, and the device; XMP, IPTC and comments carry authors
/// and edit histories. The image itself is not decoded or re-encoded: the JPEG's segments before its scan and the
/// PNG's chunks are copied, except those (JPEG APP1 EXIF/XMP, APP3–APP13, APP15, COM, APP2 other than an ICC profile;
/// PNG tEXt, zTXt, iTXt, eXIf, tIME). Colour (JFIF, ICC, Adobe) and pixels stay. The one fact of EXIF that changes how
/// the picture looks, its orientation, is written back on its own, so a phone photo is not shown on its side.
/// Anything it cannot walk (not PNG or JPEG, or cut short) comes back unchanged, for the check to refuse.
/// </summary>
public static class ImageMetadata
{
    /// <summary>The image without its metadata, told apart by its first bytes as <see cref="PreviewImages.Check"/> does.</summary>
    public static byte[] Strip(byte[] data) =>
        (data.AsSpan().StartsWith(PngSignature) ? Png(data) : data.AsSpan().StartsWith(JpegStart) ? Jpeg(data) : null) ?? data;

    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    static ReadOnlySpan<byte> JpegStart => [0xFF, 0xD8, 0xFF];

    static byte[]? Jpeg(byte[] data)
    {
        using var output = new MemoryStream(data.Length);
        output.Write(data, 0, 2);   // SOI
        var at = 2;
        while (at + 2 <= data.Length)
        {
            if (data[at] != 0xFF) return null;
            var marker = data[at + 1];
            if (marker == 0xFF) { at++; continue; }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { output.Write(data, at, 2); at += 2; continue; }
            if (marker is 0xDA or 0xD9)
            {
                output.Write(data, at, data.Length - at);   // the scan and what follows: the pixels
                return output.ToArray();
            }
            if (at + 4 > data.Length) return null;
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at + 2));
            if (length < 2 || at + 2 + length > data.Length) return null;
            var payload = data.AsSpan(at + 4, length - 2);
            if (marker == 0xE1)
            {
                if (payload.StartsWith("Exif\0\0"u8) && Orientation(payload[6..]) is { } orientation)
                    output.Write(JpegExif(orientation));
            }
            else if (Keep(marker, payload)) output.Write(data, at, 2 + length);
            at += 2 + length;
        }
        return null;
    }

    /// <summary>APP0 (JFIF), an ICC profile in APP2, APP14 (Adobe's colour transform) and every non-APP segment stay.</summary>
    static bool Keep(byte marker, ReadOnlySpan<byte> payload) => marker switch
    {
        0xE2 => payload.StartsWith("ICC_PROFILE\0"u8),
        0xE0 or 0xEE => true,
        >= 0xE3 and <= 0xEF or 0xFE => false,
        _ => true,
    };

    static byte[]? Png(byte[] data)
    {
        using var output = new MemoryStream(data.Length);
        output.Write(data, 0, 8);   // signature
        var at = 8;
        while (at + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(at));
            if (length < 0 || at + 12 + (long)length > data.Length) return null;
            var type = data.AsSpan(at + 4, 4);
            if (type.SequenceEqual("eXIf"u8))
            {
                if (Orientation(data.AsSpan(at + 8, length)) is { } orientation) output.Write(PngChunk("eXIf"u8, Tiff(orientation)));
            }
            else if (!(type.SequenceEqual("tEXt"u8) || type.SequenceEqual("zTXt"u8) || type.SequenceEqual("iTXt"u8)
                         || type.SequenceEqual("tIME"u8)))
                output.Write(data, at, 12 + length);
            at += 12 + length;
            if (type.SequenceEqual("IEND"u8))
            {
                output.Write(data, at, data.Length - at);
                return output.ToArray();
            }
        }
        return null;
    }

    /// <summary>The orientation tag (0x0112) of a TIFF structure's first directory, when it turns or mirrors the picture (2–8).</summary>
    static ushort? Orientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return null;
        var big = tiff[0] == 'M' && tiff[1] == 'M';
        if (!big && !(tiff[0] == 'I' && tiff[1] == 'I')) return null;
        ushort U16(ReadOnlySpan<byte> s) => big ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
        uint U32(ReadOnlySpan<byte> s) => big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        if (U16(tiff[2..]) != 42) return null;
        var ifd = U32(tiff[4..]);
        if (ifd > tiff.Length - 2) return null;
        var count = U16(tiff[(int)ifd..]);
        for (var i = 0; i < count; i++)
        {
            var entry = (int)ifd + 2 + 12 * i;
            if (entry + 12 > tiff.Length) return null;
            if (U16(tiff[entry..]) != 0x0112) continue;
            var value = U16(tiff[(entry + 8)..]);
            return U16(tiff[(entry + 2)..]) == 3 && U32(tiff[(entry + 4)..]) == 1 && value is >= 2 and <= 8 ? value : null;
        }
        return null;
    }

    /// <summary>A big-endian TIFF structure with one directory holding only the orientation.</summary>
    static byte[] Tiff(ushort orientation)
    {
        var tiff = new byte[26];
        "MM"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);       // the directory follows the header
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 1);       // one entry
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(12), 3);      // SHORT
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);      // one value
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(18), orientation);
        return tiff;                                                    // next directory: none (0)
    }

    static byte[] JpegExif(ushort orientation)
    {
        var tiff = Tiff(orientation);
        var segment = new byte[4 + 6 + tiff.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(2 + 6 + tiff.Length));
        "Exif\0\0"u8.CopyTo(segment.AsSpan(4));
        tiff.CopyTo(segment.AsSpan(10));
        return segment;
    }

    static byte[] PngChunk(ReadOnlySpan<byte> type, byte[] content)
    {
        var chunk = new byte[12 + content.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, content.Length);
        type.CopyTo(chunk.AsSpan(4));
        content.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + content.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + content.Length)));
        return chunk;
    }
}
