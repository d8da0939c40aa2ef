namespace EventPortal.Web.Mail;

/// <summary>The outbox handler for every <c>mail.*</c> row: compose from the current state, then send.</summary>
public sealed class MailHandler(MailComposer composer, IMailTransport transport) : IOutboxHandler
{
    public string KindPrefix => "mail.";

    public async Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct)
    {
        using var message = await composer.ComposeAsync(row, ct);
        if (message is null) return OutboxResult.Skipped;
        await transport.SendAsync(message, ct);
        return OutboxResult.Done;
    }
}
