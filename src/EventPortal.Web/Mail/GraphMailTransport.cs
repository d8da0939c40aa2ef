using System.Net.Mail;
using System.Text;
using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Mail;

/// <summary>
/// Mail through Microsoft Graph <c>sendMail</c> as MIME, from the mailbox
/// <c>EventPortal:Mail:Graph:SenderUserId</c> (application permission <c>Mail.Send</c>; the
/// From address should be that mailbox or one it may send as). For Microsoft 365 tenants
/// where SMTP AUTH is switched off.
/// Failures: 401 (credentials the operator may fix), 408, 429 and 5xx, connection trouble and
/// timeouts are worth another try, honouring <c>Retry-After</c>; any other 4xx
/// (ErrorInvalidRecipients, ErrorAccessDenied…) will not get better and fails the row.
/// </summary>
public sealed class GraphMailTransport([FromKeyedServices(GraphUse.Mail)] GraphClient graph, IOptions<MailOptions> options,
    ILogger<GraphMailTransport> logger) : IMailTransport
{
    /// <summary>Longest wait a Retry-After may impose; the back-off is capped at an hour too.</summary>
    static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    public async Task SendAsync(MailMessage message, CancellationToken ct)
    {
        // Graph takes the recipients from the MIME headers, and Bcc has no header.
        if (message.Bcc.Count > 0)
            throw new OutboxException(
                "The Graph transport cannot send Bcc recipients (the MIME it posts has no Bcc header).", permanent: true);
        var mime = await ToMimeAsync(message, ct);
        var sender = options.Value.Graph.SenderUserId!;
        try
        {
            await graph.SendMimeAsync(sender, mime, ct);
        }
        catch (GraphException e) when (e.Status == 401)
        {
            logger.LogWarning("Microsoft Graph refused the credentials ({Code}: {Message}). " +
                "Check EventPortal:Mail:Graph:TenantId, ClientId and ClientSecret; the mail stays queued and is retried.",
                e.Code, e.GraphMessage);
            throw new OutboxException(e.Message, permanent: false, e);
        }
        catch (GraphException e)
        {
            var transient = e.Status is 408 or 429 or >= 500;
            throw new OutboxException(e.Message, permanent: !transient, e)
            {
                RetryAfter = transient && e.RetryAfter is { } wait ? (wait > MaxRetryAfter ? MaxRetryAfter : wait) : null,
            };
        }
        catch (HttpRequestException e)
        {
            throw new OutboxException($"Graph unreachable: {e.Message}", permanent: false, e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new OutboxException("Graph did not answer in time.", permanent: false, e);
        }
    }

    /// <summary>
    /// The message as RFC 5322 bytes. .NET has no public MIME writer, so System.Net.Mail writes
    /// it to a pickup directory (a fresh temporary one, mode 0700 on Unix) and we read it back.
    /// The pickup format puts an envelope in front of the headers: one <c>X-Sender:</c> line (the
    /// Sender, else the From address) and one <c>X-Receiver:</c> per To/Cc/Bcc recipient, folded
    /// like any header when a display name is long; those lines are removed.
    /// </summary>
    internal static async Task<byte[]> ToMimeAsync(MailMessage message, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("eventportal-mime-");
        try
        {
            using (var client = new SmtpClient
                { DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory, PickupDirectoryLocation = directory.FullName })
            {
                try { await client.SendMailAsync(message, ct); }
                catch (SmtpException e)
                {
                    throw new OutboxException($"Could not write the message as MIME: {e.Message}", permanent: false, e);
                }
            }
            var files = directory.GetFiles("*.eml");
            if (files.Length != 1)
                throw new OutboxException($"Expected one .eml from System.Net.Mail, found {files.Length}.", permanent: false);
            return StripPickupEnvelope(await File.ReadAllBytesAsync(files[0].FullName, ct));
        }
        finally
        {
            try { directory.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Removes the leading <c>X-Sender:</c>/<c>X-Receiver:</c> header fields (with their folded continuation lines).</summary>
    internal static byte[] StripPickupEnvelope(byte[] eml)
    {
        var start = 0;
        var skipping = false;
        while (start < eml.Length)
        {
            var end = IndexOfCrlf(eml, start);
            if (end < 0) break;
            var continuation = eml[start] is (byte)' ' or (byte)'\t';
            if (continuation ? skipping : StartsWith(eml, start, "X-Sender:") || StartsWith(eml, start, "X-Receiver:"))
            {
                skipping = true;
                start = end + 2;
                continue;
            }
            break;
        }
        return eml[start..];
    }

    static int IndexOfCrlf(byte[] data, int from)
    {
        var i = Array.IndexOf(data, (byte)'\r', from);
        while (i >= 0 && (i + 1 >= data.Length || data[i + 1] != (byte)'\n')) i = Array.IndexOf(data, (byte)'\r', i + 1);
        return i;
    }

    static bool StartsWith(byte[] data, int at, string prefix) =>
        data.Length - at >= prefix.Length
            && Encoding.ASCII.GetString(data, at, prefix.Length).Equals(prefix, StringComparison.OrdinalIgnoreCase);
}
