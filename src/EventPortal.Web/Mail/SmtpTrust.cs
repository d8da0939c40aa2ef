using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventPortal.Web.Mail;

/// <summary>
/// Which TLS certificates of the relay the SMTP transport accepts: those that pass the system's
/// validation (chain to a trusted root, right host name, in date), and those pinned in
/// <c>EventPortal:Mail:Smtp:TrustedCertificateFile</c> (the relay's own certificate, byte for byte).
/// Validation is never switched off.
/// </summary>
sealed class SmtpTrust
{
    readonly X509Certificate2Collection _pinned;

    SmtpTrust(X509Certificate2Collection pinned) => _pinned = pinned;

    /// <summary>The trust for the settings (the file was checked at start-up by <see cref="Validate"/>).</summary>
    public static SmtpTrust For(MailOptions.SmtpSettings settings)
    {
        var pinned = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(settings.TrustedCertificateFile)) pinned.ImportFromPemFile(settings.TrustedCertificateFile);
        return new SmtpTrust(pinned);
    }

    /// <summary>
    /// For MailKit's <c>ServerCertificateValidationCallback</c>: null when the certificate is accepted,
    /// else why not (for the outbox row).
    /// </summary>
    public string? Refusal(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return null;
        if (certificate is not null && _pinned.Any(p => p.RawDataMemory.Span.SequenceEqual(certificate.GetRawCertData()))) return null;
        return certificate is null
            ? $"the relay presented no TLS certificate ({errors})"
            : $"the relay's TLS certificate is not trusted ({errors}{ChainStatus(chain)}; subject '{certificate.Subject}', " +
              $"SHA-256 {Fingerprint(certificate)}). Give the relay a certificate this system trusts, or pin this one " +
              "with EventPortal:Mail:Smtp:TrustedCertificateFile";
    }

    static string ChainStatus(X509Chain? chain) =>
        chain?.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList() is { Count: > 0 } flags
            ? ": " + string.Join(", ", flags)
            : "";

    static string Fingerprint(X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));

    public static IEnumerable<string> Validate(string? file, string key)
    {
        if (string.IsNullOrWhiteSpace(file)) yield break;
        if (!File.Exists(file))
        {
            yield return $"{key} '{Path.GetFullPath(file)}' does not exist.";
            yield break;
        }
        string? error;
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(file);
            error = certificates.Count == 0 ? "it holds no certificate (expected -----BEGIN CERTIFICATE-----)." : null;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            error = $"not a PEM certificate ({e.Message}).";
        }
        if (error is not null) yield return $"{key} '{file}': {error}";
    }
}
