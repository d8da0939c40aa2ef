using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using EventPortal.Web.Events;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.Jpeg;
using MetadataExtractor.Formats.Png;

namespace EventPortal.Tests.Events;

/// <summary>
/// <see cref="ImageMetadata"/> on pictures built the way cameras and editors write them (a phone's EXIF with where it was
/// taken, XMP, a comment, PNG text chunks), read back by an independent reader (MetadataExtractor): the location, the
/// device and the texts are gone, the orientation and the colour profile stay, the pixels' bytes are untouched.
/// </summary>
public class ImageMetadataTests
{
    static readonly byte[] Pixels = Enumerable.Range(0, 300).Select(i => (byte)(i * 7 % 251)).ToArray();

    /// <summary>A little-endian TIFF as phones write it: make, orientation 6 (turned), and a GPS directory.</summary>
    internal static byte[] PhoneExif()
    {
        var t = new byte[120];
        "II"u8.CopyTo(t);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(8), 3);
        Entry(t, 10, 0x010F, 2, 6, 70);            // Make → "Phone\0" at 70
        Entry(t, 22, 0x0112, 3, 1, 6);             // Orientation: 6
        Entry(t, 34, 0x8825, 4, 1, 80);            // GPS directory at 80
        "Phone\0"u8.CopyTo(t.AsSpan(70));
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(80), 1);
        Entry(t, 82, 0x0001, 2, 2, 'N');           // GPSLatitudeRef "N"
        return t;
    }

    static void Entry(byte[] t, int at, ushort tag, ushort type, uint count, uint value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(at), tag);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(at + 2), type);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(at + 4), count);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(at + 8), value);
    }

    internal static byte[] Segment(byte marker, ReadOnlySpan<byte> payload)
    {
        var s = new byte[4 + payload.Length];
        s[0] = 0xFF;
        s[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(s.AsSpan(4));
        return s;
    }

    static byte[] Jpeg(params byte[][] segments)
    {
        var frame = new byte[] { 8, 0x02, 0x58, 0x04, 0xB0, 1, 1, 0x11, 0 };   // 8 bits, 600 high, 1200 wide, one component
        return [0xFF, 0xD8, .. segments.SelectMany(s => s), .. Segment(0xC0, frame), .. Segment(0xDA, [1, 1, 0, 0, 0x3F, 0]),
            .. Pixels, 0xFF, 0xD9];
    }

    static byte[] Chunk(string type, byte[] content)
    {
        var c = new byte[12 + content.Length];
        BinaryPrimitives.WriteInt32BigEndian(c, content.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
        content.CopyTo(c, 8);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + content.Length), Crc32.HashToUInt32(c.AsSpan(4, 4 + content.Length)));
        return c;
    }

    static byte[] Png(params byte[][] chunks)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 1200);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 630);
        header[8] = 8;
        header[9] = 2;
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", header), .. chunks.SelectMany(c => c),
            .. Chunk("IDAT", Pixels), .. Chunk("IEND", [])];
    }

    internal static IReadOnlyList<MetadataExtractor.Directory> Read(byte[] image) =>
        ImageMetadataReader.ReadMetadata(new MemoryStream(image));

    [Fact]
    public void A_phone_JPEG_loses_its_location_device_XMP_and_comment_and_keeps_its_orientation_colour_and_pixels()
    {
        var original = Jpeg(
            Segment(0xE0, "JFIF\0\u0001\u0001\0\0\u0001\0\u0001\0\0"u8),
            Segment(0xE1, [.. "Exif\0\0"u8, .. PhoneExif()]),
            Segment(0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>by 山田</x:xmpmeta>"u8),
            Segment(0xE2, "ICC_PROFILE\0\u0001\u0001profile"u8),
            Segment(0xED, "Photoshop 3.0\0IPTC"u8),
            Segment(0xFE, "taken at home"u8));
        Assert.NotEmpty(Read(original).OfType<GpsDirectory>());   // the reader sees what the phone wrote

        var stripped = ImageMetadata.Strip(original);

        var read = Read(stripped);
        Assert.Empty(read.OfType<GpsDirectory>());
        Assert.Empty(read.OfType<JpegCommentDirectory>());
        Assert.Equal(6, read.OfType<ExifIfd0Directory>().Single().GetInt32(ExifDirectoryBase.TagOrientation));
        Assert.False(read.OfType<ExifIfd0Directory>().Single().ContainsTag(ExifDirectoryBase.TagMake));
        var text = Encoding.Latin1.GetString(stripped);
        foreach (var gone in new[] { "Phone", "xmpmeta", "IPTC", "taken at home" }) Assert.DoesNotContain(gone, text);
        Assert.Contains("ICC_PROFILE", text);
        Assert.Contains("JFIF", text);
        Assert.Equal(original[^(Pixels.Length + 2)..], stripped[^(Pixels.Length + 2)..]);
        var frame = read.OfType<JpegDirectory>().Single();
        Assert.Equal((1200, 600), (frame.GetImageWidth(), frame.GetImageHeight()));
    }

    [Fact]
    public void A_PNG_loses_its_texts_and_time_and_keeps_its_orientation_with_valid_checksums()
    {
        var original = Png(Chunk("tEXt", "Author\0山田"u8.ToArray()), Chunk("tIME", [7, 234, 12, 3, 10, 0, 0]),
            Chunk("eXIf", PhoneExif()), Chunk("iTXt", "Comment\0\0\0\0\0secret"u8.ToArray()));

        var stripped = ImageMetadata.Strip(original);

        var read = Read(stripped);   // MetadataExtractor checks each chunk's CRC
        Assert.Empty(read.OfType<GpsDirectory>());
        Assert.Equal(6, read.OfType<ExifIfd0Directory>().Single().GetInt32(ExifDirectoryBase.TagOrientation));
        var text = Encoding.Latin1.GetString(stripped);
        foreach (var gone in new[] { "tEXt", "tIME", "iTXt", "Author", "secret", "Phone" }) Assert.DoesNotContain(gone, text);
        Assert.Equal(1200, read.OfType<PngDirectory>().First().GetInt32(PngDirectory.TagImageWidth));
        Assert.Equal(Chunk("IDAT", Pixels), stripped[^(Pixels.Length + 12 + 12)..^12]);
    }

    [Fact]
    public void An_image_without_metadata_is_returned_byte_for_byte()
    {
        var jpeg = Jpeg(Segment(0xE0, "JFIF\0\u0001\u0001\0\0\u0001\0\u0001\0\0"u8));
        var png = Png();
        Assert.Equal(jpeg, ImageMetadata.Strip(jpeg));
        Assert.Equal(png, ImageMetadata.Strip(png));
    }
}
