using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.SendMail;
using Microsoft.Kiota.Abstractions.Serialization;
using MimeKit;
using System.Text;

namespace EventPortal.Web.Mail;

/// <summary>
/// Mail through Microsoft Graph <c>sendMail</c> as MIME (the bytes MimeKit writes, base64), from the mailbox
/// <c>EventPortal:Mail:Graph:SenderUserId</c> (application permission <c>Mail.Send</c>; the
/// From address should be that mailbox or one it may send as). For Microsoft 365 tenants
/// where SMTP AUTH is switched off.
/// Failures: 401 (credentials the operator may fix), 408, 429 and 5xx, connection trouble and
/// timeouts are worth another try, honouring <c>Retry-After</c>; any other 4xx
/// (ErrorInvalidRecipients, ErrorAccessDenied…) will not get better and fails the row.
/// </summary>
public sealed class GraphMailTransport([FromKeyedServices(GraphUse.Mail)] GraphServiceClient graph, IOptions<MailOptions> options,
    ILogger<GraphMailTransport> logger) : IMailTransport
{
    /// <summary>Longest wait a Retry-After may impose; the back-off is capped at an hour too.</summary>
    static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        // Graph takes the recipients from the MIME headers, and Bcc has no header.
        if (message.Bcc.Count > 0)
            throw new OutboxException(
                "The Graph transport cannot send Bcc recipients (the MIME it posts has no Bcc header).", permanent: true);
        var mime = await MailFormat.BytesAsync(message, ct);
        var sender = options.Value.Graph.SenderUserId!;
        try
        {
            await GraphCalls.RunAsync(() => SendMimeAsync(sender, mime, ct));
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
    /// <c>POST /users/{userId}/sendMail</c> in its MIME form, which the SDK has no typed call for: the
    /// request the SDK builds for sendMail, with the base64 of the RFC 5322 bytes as a
    /// <c>text/plain</c> body. Graph answers 202 Accepted, takes the recipients from the To/Cc
    /// headers and puts a copy in the sender's Sent Items.
    /// </summary>
    Task SendMimeAsync(string userId, byte[] mime, CancellationToken ct)
    {
        var request = graph.Users[userId].SendMail.ToPostRequestInformation(new SendMailPostRequestBody());
        request.Headers.Remove("Content-Type"); // the typed request's JSON body gives way to the MIME text
        request.SetStreamContent(new MemoryStream(Encoding.ASCII.GetBytes(Convert.ToBase64String(mime))), "text/plain");
        return graph.RequestAdapter.SendNoContentAsync(request, ErrorMapping, ct);
    }

    static readonly Dictionary<string, ParsableFactory<IParsable>> ErrorMapping = new()
    {
        ["XXX"] = ODataError.CreateFromDiscriminatorValue,
    };
}
