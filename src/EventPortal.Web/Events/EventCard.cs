using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace EventPortal.Web.Events;

/// <summary>
/// The default preview image of an event page (<c>/events/{slug}/card.png</c>, 1200×630 as Open Graph and X cards
/// expect): the portal's colours in bands, the band's shade taken from the event's slug so neighbouring events differ.
/// It carries no text (the preview shows the title beside it, and drawing Japanese needs fonts the server may lack).
/// Written as a PNG by hand (RFC 2083: signature, IHDR, one zlib IDAT, IEND; CRC-32 from System.IO.Hashing): bands need
/// no image library.
/// </summary>
public static class EventCard
{
    public const int Width = 1200, Height = 630;

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Made = new();

    /// <summary>The card for an event (made once per slug and kept: a few kilobytes each).</summary>
    public static byte[] Png(string seed) => Made.GetOrAdd(seed, Draw);

    static byte[] Draw(string seed)
    {
        var hash = seed.Aggregate(17u, (h, c) => unchecked(h * 31 + c));
        (byte R, byte G, byte B) primary = (0x0b, 0x55, 0x63), light = (0xf5, 0xf7, 0xfa);
        var accent = ((byte)(0x3a + hash % 64), (byte)(0x9a + (hash >> 6) % 48), (byte)(0xa8 + (hash >> 12) % 40));
        using var pixels = new MemoryStream();
        using (var z = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + Width * 3];   // filter byte 0 (none), then RGB
            for (var y = 0; y < Height; y++)
            {
                for (var x = 0; x < Width; x++)
                {
                    // A light band along the bottom, and a slanted accent stripe across the primary field.
                    var stripe = x + y / 2 is var d && d % 400 < 60 && y < Height - 150;
                    var (r, g, b) = y >= Height - 150 ? light : stripe ? accent : primary;
                    (row[1 + x * 3], row[2 + x * 3], row[3 + x * 3]) = (r, g, b);
                }
                z.Write(row);
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        (header[8], header[9]) = (8, 2);   // 8 bits per channel, truecolour; default compression, filter, no interlace
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, System.IO.Hashing.Crc32.HashToUInt32(typed));
        png.Write(word);
    }
}
