using QRCoder;

namespace EventPortal.Web.Calendar;

/// <summary>QR codes of personal page URLs: inline SVG for the page, PNG for mail clients that block SVG.</summary>
public static class QrCodes
{
    public static string Svg(string url, string label)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(
            new System.Drawing.Size(200, 200), "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        // role and aria-label make it an image with a text alternative for screen readers.
        return "<svg role=\"img\" aria-label=\"" + System.Net.WebUtility.HtmlEncode(label) + "\"" + svg[(start + 4)..];
    }

    public static byte[] Png(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(8);
    }
}
