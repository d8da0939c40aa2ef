using EventPortal.Web.Outbox;
using MimeKit;

namespace EventPortal.Web.Mail;

/// <summary>Hands a finished message to something that delivers it.</summary>
public interface IMailTransport
{
    Task SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>How messages are written outside SMTP (files, Graph): CRLF line ends on every platform, as on the wire.</summary>
public static class MailFormat
{
    public static readonly FormatOptions Wire = CreateWire();

    static FormatOptions CreateWire()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    public static async Task<byte[]> BytesAsync(MimeMessage message, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await message.WriteToAsync(Wire, buffer, ct);
        return buffer.ToArray();
    }
}

/// <summary>
/// The default: each message becomes an .eml file in <c>{DataDirectory}/mail/pickup</c>, so the
/// embedded default needs no mail server and an operator can read what would have been sent.
/// Written under a temporary name and renamed, so a reader never sees half a message.
/// </summary>
public sealed class PickupTransport(string directory) : IMailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var name = Path.Combine(directory, $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(directory);
            await using (var file = File.Create(name + ".tmp")) await message.WriteToAsync(MailFormat.Wire, file, ct);
            File.Move(name + ".tmp", name + ".eml");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutboxException($"Pickup directory {directory}: {e.Message}", permanent: false, e);
        }
    }
}
