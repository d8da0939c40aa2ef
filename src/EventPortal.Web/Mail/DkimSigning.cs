using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace EventPortal.Web.Mail;

/// <summary>
/// DKIM signatures made by the app (<c>EventPortal:Mail:Dkim</c>), for a small organisation whose
/// relay does not sign: rsa-sha256, relaxed/relaxed, over the headers receivers weigh. Off when no
/// domain is set. The public half goes in DNS as <see cref="TxtRecord"/> (the console's outbox page
/// shows it; docs/operations.md says where it goes).
/// </summary>
public sealed class DkimSigning
{
    /// <summary>The headers signed: a receiver sees any of them changed in transit.</summary>
    public static readonly string[] SignedHeaders = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"];

    readonly DkimSigner? _signer;

    public DkimSigning(IOptions<MailOptions> options)
    {
        var dkim = options.Value.Dkim;
        if (!dkim.Enabled) return;
        Domain = dkim.Domain!;
        Selector = dkim.Selector!;
        _signer = new DkimSigner(Path.GetFullPath(dkim.PrivateKeyFile!), Domain, Selector, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        TxtRecord = TxtRecordFor(File.ReadAllText(dkim.PrivateKeyFile!));
    }

    public string? Domain { get; }
    public string? Selector { get; }
    /// <summary>The DNS name of the key record: <c>{selector}._domainkey.{domain}</c>.</summary>
    public string? RecordName => _signer is null ? null : $"{Selector}._domainkey.{Domain}";
    /// <summary><c>v=DKIM1; k=rsa; p=…</c> for the configured key; null when DKIM is off.</summary>
    public string? TxtRecord { get; }

    /// <summary>
    /// Signs the finished message. Every part is made 7-bit first, so no relay or transport re-encodes
    /// (and so breaks) the signed body afterwards.
    /// </summary>
    public void Sign(MimeMessage message)
    {
        if (_signer is null) return;
        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, SignedHeaders);
    }

    public static string TxtRecordFor(string privateKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        return $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
    }

    public static IEnumerable<string> Validate(MailOptions.DkimSettings d)
    {
        const string Key = "EventPortal:Mail:Dkim";
        var any = new[] { d.Domain, d.Selector, d.PrivateKeyFile }.Any(v => !string.IsNullOrWhiteSpace(v));
        if (!any) yield break;
        if (new[] { d.Domain, d.Selector, d.PrivateKeyFile }.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"{Key}:Domain, Selector and PrivateKeyFile go together: set all three or none.";
            yield break;
        }
        if (!File.Exists(d.PrivateKeyFile))
        {
            yield return $"{Key}:PrivateKeyFile '{Path.GetFullPath(d.PrivateKeyFile!)}' does not exist.";
            yield break;
        }
        var error = KeyError(d.PrivateKeyFile!);
        if (error is not null) yield return $"{Key}:PrivateKeyFile '{d.PrivateKeyFile}': {error}";
    }

    static string? KeyError(string path)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(path));
            return rsa.KeySize < 1024 ? $"the RSA key has {rsa.KeySize} bits; receivers ignore keys under 1024 (use 2048)." : null;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"not a PEM RSA private key ({e.Message}). Make one with: openssl genrsa -out dkim.pem 2048";
        }
    }
}
