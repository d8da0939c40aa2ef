using System.Buffers.Binary;
using EventPortal.Web.Events;

namespace EventPortal.Tests.Events;

/// <summary>The preview image rules (pure): PNG or JPEG by their bytes, whole, at most 2 MB, a sensible size from the header.</summary>
public sealed class PreviewImageTests
{
    /// <summary>A PNG's signature, IHDR with the size, and IEND (not drawable: only what the rules read).</summary>
    public static byte[] Png(int width, int height)
    {
        var bytes = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        bytes.AddRange([0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R']);
        var size = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(size, width);
        BinaryPrimitives.WriteInt32BigEndian(size.AsSpan(4), height);
        bytes.AddRange(size);
        bytes.AddRange([8, 2, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);   // depth, colour type, …; a CRC (not checked)
        bytes.AddRange([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82]);
        return bytes.ToArray();
    }

    /// <summary>A baseline JPEG's markers: SOI, an APP0 (JFIF), a start-of-frame with the size, a scan, EOI.</summary>
    public static byte[] Jpeg(int width, int height, bool end = true)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        bytes.AddRange([0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        bytes.AddRange([0xFF, 0xC0, 0, 17, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3,
            1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        bytes.AddRange([0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0, 0x12, 0x34, 0x56]);
        if (end) bytes.AddRange([0xFF, 0xD9]);
        return bytes.ToArray();
    }

    [Fact]
    public void The_generated_card_and_a_baseline_jpeg_are_accepted_with_their_size_from_the_header()
    {
        var card = PreviewImages.Check(EventCard.Png("a-slug")).Image!;
        Assert.Equal((PreviewImages.Png, 1200, 630), (card.ContentType, card.Width, card.Height));
        Assert.Equal(16, card.Version.Length);
        var jpeg = PreviewImages.Check(Jpeg(1200, 675)).Image!;
        Assert.Equal((PreviewImages.Jpeg, 1200, 675), (jpeg.ContentType, jpeg.Width, jpeg.Height));
        Assert.NotEqual(jpeg.Version, PreviewImages.Check(Jpeg(1201, 675)).Image!.Version);
    }

    [Theory]
    [InlineData("gif", "eventImage.error.type")]
    [InlineData("svg", "eventImage.error.type")]
    [InlineData("empty", "eventImage.error.noFile")]
    [InlineData("truncated png", "eventImage.error.broken")]
    [InlineData("truncated jpeg", "eventImage.error.broken")]
    [InlineData("jpeg without frame", "eventImage.error.broken")]
    [InlineData("tiny", "eventImage.error.dimensions")]
    [InlineData("huge", "eventImage.error.dimensions")]
    [InlineData("negative", "eventImage.error.dimensions")]
    [InlineData("too big", "eventImage.error.tooBig")]
    public void Anything_else_is_refused_with_its_reason(string kind, string key)
    {
        byte[] data = kind switch
        {
            "gif" => "GIF89a\x01\x00\x01\x00"u8.ToArray(),
            "svg" => "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"630\"/>"u8.ToArray(),
            "empty" => [],
            "truncated png" => EventCard.Png("a-slug")[..200],
            "truncated jpeg" => Jpeg(1200, 630, end: false),
            "jpeg without frame" => [0xFF, 0xD8, 0xFF, 0xDA, 0, 4, 0, 0, 0xFF, 0xD9],
            "tiny" => Png(120, 630),
            "huge" => Jpeg(1200, 40000),
            "negative" => Png(-5, 630),
            _ => [.. Png(1200, 630)[..^12], .. new byte[PreviewImages.MaxBytes], .. Png(1, 1)[^12..]],
        };
        var (image, error, _) = PreviewImages.Check(data);
        Assert.Null(image);
        Assert.Equal(key, error);
    }
}
