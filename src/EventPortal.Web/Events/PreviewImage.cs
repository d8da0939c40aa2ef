using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EventPortal.Web.Events;

/// <summary>An organiser's preview image as checked: its type, size in pixels and version (a hash of its bytes).</summary>
public sealed record PreviewImage(string ContentType, int Width, int Height, string Version);

/// <summary>
/// What an uploaded preview image must be: PNG or JPEG by its first bytes (not by its name or the browser's word), at most
/// <see cref="MaxBytes"/>, whole (a PNG ends with its IEND chunk, a JPEG with its end-of-image marker), and between
/// <see cref="MinSide"/> and <see cref="MaxSide"/> pixels a side, read from the header (PNG's IHDR, JPEG's start-of-frame).
/// Nothing is decoded: the bytes are served as they came (less their metadata, <see cref="ImageMetadata"/>), to link
/// previews that draw them. Pure: no HTTP, no SQL.
/// </summary>
public static class PreviewImages
{
    public const int MaxBytes = 2 * 1024 * 1024, MinSide = 200, MaxSide = 4096;
    public const string Png = "image/png", Jpeg = "image/jpeg";

    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    static ReadOnlySpan<byte> PngEnd => [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82];

    /// <summary>The image, or the localisation key (and its arguments) of what is wrong with it.</summary>
    public static (PreviewImage? Image, string? ErrorKey, object[] Args) Check(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return (null, "eventImage.error.noFile", []);
        if (data.Length > MaxBytes) return (null, "eventImage.error.tooBig", [MaxBytes / 1024 / 1024]);
        var (type, size) = data.StartsWith(PngSignature) ? (Png, PngSize(data))
            : data.Length > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF ? (Jpeg, JpegSize(data))
            : (null, null);
        if (type is null) return (null, "eventImage.error.type", []);
        if (size is not var (width, height)) return (null, "eventImage.error.broken", []);
        if (width is < MinSide or > MaxSide || height is < MinSide or > MaxSide)
            return (null, "eventImage.error.dimensions", [MinSide, MaxSide, width, height]);
        var version = Convert.ToHexStringLower(SHA256.HashData(data))[..16];
        return (new PreviewImage(type, width, height, version), null, []);
    }

    /// <summary>IHDR must be the first chunk (13 bytes: width, height, …), and IEND the last.</summary>
    static (int, int)? PngSize(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8 + 25 + PngEnd.Length || !data.EndsWith(PngEnd)) return null;
        var header = data[8..];
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 13 || !header[4..8].SequenceEqual("IHDR"u8)) return null;
        return (BinaryPrimitives.ReadInt32BigEndian(header[8..]), BinaryPrimitives.ReadInt32BigEndian(header[12..]));
    }

    /// <summary>
    /// Walks the JPEG's marker segments up to its start-of-frame (SOF0–SOF15 but DHT, JPG and DAC), whose header holds the
    /// height and width; the scan must not come first, and the file must end with EOI (FF D9; padding after it is allowed).
    /// </summary>
    static (int, int)? JpegSize(ReadOnlySpan<byte> data)
    {
        var tail = data[Math.Max(0, data.Length - 64)..];
        if (tail.LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0) return null;
        var at = 2;
        while (at + 4 <= data.Length)
        {
            if (data[at] != 0xFF) return null;
            var marker = data[at + 1];
            if (marker == 0xFF) { at++; continue; }   // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { at += 2; continue; }   // markers without a length
            if (marker is 0xD9 or 0xDA) return null;   // end of image or the scan before any frame header
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (length < 2 || at + 2 + length > data.Length) return null;
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
                return length < 7 ? null
                    : (BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]));
            at += 2 + length;
        }
        return null;
    }
}
