using MimeKit;

namespace EventPortal.Web.Mail;

/// <summary>Addresses and header text as MimeKit writes them.</summary>
public static class MailAddresses
{
    static readonly ParserOptions Strict = CreateStrict();

    static ParserOptions CreateStrict()
    {
        var options = ParserOptions.Default.Clone();
        options.AllowAddressesWithoutDomain = false;
        return options;
    }

    /// <summary>A plain RFC 5322 address with a domain, nothing around it (no display name, no comment).</summary>
    public static bool IsAddress(string value) =>
        value.Length > 0 && MailboxAddress.TryParse(Strict, value, out var mailbox) && mailbox.Address == value
            && mailbox.Domain.Length > 0;

    /// <summary>
    /// The registrant's mailbox. Carrier addresses such as <c>abc.@docomo.ne.jp</c> are not RFC 5322
    /// dot-atoms and MimeKit refuses them by default; the quoted local part (<c>"abc."@docomo.ne.jp</c>)
    /// is the standard spelling of the same mailbox, and relays route it unchanged.
    /// </summary>
    public static MailboxAddress Recipient(string email, string name)
    {
        try { return new MailboxAddress(HeaderText(name), email); }
        catch (ParseException)
        {
            var at = email.LastIndexOf('@');
            var local = email[..at].Replace("\\", "\\\\").Replace("\"", "\\\"");
            return new MailboxAddress(HeaderText(name), $"\"{local}\"{email[at..]}");
        }
    }

    /// <summary>Header values never carry CR, LF or other control characters (header injection).</summary>
    public static string HeaderText(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
}
