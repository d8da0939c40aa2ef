using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EventPortal.Tests.Infrastructure;

/// <summary>Self-signed server certificates for loopback test servers, made at test time (no openssl).</summary>
public static class TestCertificate
{
    /// <summary>
    /// A fresh self-signed certificate for "localhost" and 127.0.0.1, valid for a day: writes
    /// <c>{name}.pem</c> (the certificate) and <c>{name}.key</c> (its PKCS#8 private key) into
    /// <paramref name="directory"/> and returns the certificate's path.
    /// </summary>
    public static string WritePem(string directory, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        var file = Path.Combine(directory, name + ".pem");
        File.WriteAllText(file, certificate.ExportCertificatePem());
        File.WriteAllText(Path.ChangeExtension(file, ".key"), key.ExportPkcs8PrivateKeyPem());
        return file;
    }
}
