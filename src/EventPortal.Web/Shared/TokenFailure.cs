using Azure.Identity;

namespace EventPortal.Web.Shared;

/// <summary>
/// Why the Microsoft identity platform issued no token (wrong secret, unknown client or tenant,
/// endpoint unreachable), in one line an operator can act on. Azure.Identity's own message is just
/// "ClientSecretCredential authentication failed: "; the reason is in MSAL's exception, whose useful
/// part starts at the AADSTS code. It never contains the secret.
/// </summary>
public static class TokenFailure
{
    public static (string Code, string Message) Of(AuthenticationFailedException e)
    {
        var inner = e.InnerException ?? e;
        var code = inner is Microsoft.Identity.Client.MsalServiceException msal ? msal.ErrorCode : "AuthenticationFailed";
        var at = inner.Message.IndexOf("AADSTS", StringComparison.Ordinal);
        var message = at >= 0 ? inner.Message[at..] : inner.Message;
        var end = message.IndexOfAny(['\r', '\n']);
        return (code, end < 0 ? message : message[..end]);
    }
}
