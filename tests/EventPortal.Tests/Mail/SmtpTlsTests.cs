using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Mail;

/// <summary>
/// TLS to the relay, against the test SMTP server speaking STARTTLS or implicit TLS with a self-signed
/// certificate made for the test: delivered when the certificate is pinned
/// (<c>EventPortal:Mail:Smtp:TrustedCertificateFile</c>), refused by the normal validation otherwise,
/// and never sent in clear text when TLS was asked for.
/// </summary>
public sealed class SmtpTlsTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    const string Confirmation = "kind = 'mail.registration_confirmed'";

    static Task<PortalApp> StartAppAsync(SmtpServer smtp, bool startTls = false, bool implicitTls = false, bool pinned = true)
    {
        var more = new Dictionary<string, string?>
        {
            ["EventPortal:Mail:Smtp:StartTls"] = startTls ? "true" : "false",
            ["EventPortal:Mail:Smtp:ImplicitTls"] = implicitTls ? "true" : "false",
        };
        if (pinned) more["EventPortal:Mail:Smtp:TrustedCertificateFile"] = smtp.CertificateFile;
        return MailDelivery.StartAppAsync(smtp.Port, more);
    }

    static async Task RegisterAsync(PortalApp app, string email)
    {
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, email);
    }

    static string Fingerprint(string pemFile) =>
        Convert.ToHexString(SHA256.HashData(X509Certificate2.CreateFromPem(File.ReadAllText(pemFile)).RawData));

    [Theory]
    [InlineData(SmtpTls.StartTls, "starttls@example.jp")]
    [InlineData(SmtpTls.Implicit, "smtps@example.jp")]
    public async Task A_relay_with_a_pinned_certificate_gets_the_mail_over_TLS(SmtpTls tls, string email)
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(Tls: tls));
        await using var app = await StartAppAsync(smtp, startTls: tls == SmtpTls.StartTls, implicitTls: tls == SmtpTls.Implicit);
        await RegisterAsync(app, email);

        var mail = Assert.Single(await smtp.WaitForAsync(1, Wait));
        Assert.Equal([email], mail.RcptTos);
        Assert.StartsWith("TLSv1.", mail.Tls); // STARTTLS: the session was upgraded before MAIL FROM
        Assert.Equal("noreply@portal.example.jp", mail.FromAddress);
        await WaitSentAsync(app);
    }

    [Fact]
    public async Task A_self_signed_relay_without_the_pin_is_refused_retryably_and_nothing_goes_in_clear_text()
    {
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(Tls: SmtpTls.StartTls));
        await using var app = await StartAppAsync(smtp, startTls: true, pinned: false);
        await RegisterAsync(app, "unpinned@example.jp");

        var error = await MailDelivery.RetryErrorAsync(app, Wait);
        Assert.StartsWith($"SMTP 127.0.0.1:{smtp.Port}: the relay's TLS certificate is not trusted", error);
        Assert.Contains("RemoteCertificateChainErrors", error);
        Assert.Contains(Fingerprint(smtp.CertificateFile!), error); // what an operator would pin, to compare
        Assert.Contains("EventPortal:Mail:Smtp:TrustedCertificateFile", error);
        Assert.DoesNotContain("\n", error);

        await Task.Delay(1500); // a few more tries: none falls back to clear text
        Assert.Empty(await smtp.MessagesAsync());
        // Still waiting for another try (or in one at this instant): neither sent nor given up.
        Assert.Contains(await app.QueryOneAsync<string>($"SELECT status FROM outbox WHERE {Confirmation}"), new[] { "retry", "in_flight" });
        Assert.True(await app.QueryOneAsync<int>($"SELECT attempts FROM outbox WHERE {Confirmation}") >= 2);
    }

    [Fact]
    public async Task Starttls_against_a_relay_that_does_not_offer_it_sends_nothing_in_clear_text()
    {
        await using var smtp = await SmtpServer.StartAsync(); // no TLS: EHLO does not offer STARTTLS
        await using var app = await StartAppAsync(smtp, startTls: true, pinned: false);
        await RegisterAsync(app, "cleartext@example.jp");

        var error = await MailDelivery.RetryErrorAsync(app, Wait);
        Assert.StartsWith($"SMTP 127.0.0.1:{smtp.Port}:", error);
        Assert.Contains("STARTTLS", error);

        await Task.Delay(1500);
        Assert.Empty(await smtp.MessagesAsync());
        // Still waiting for another try (or in one at this instant): neither sent nor given up.
        Assert.Contains(await app.QueryOneAsync<string>($"SELECT status FROM outbox WHERE {Confirmation}"), new[] { "retry", "in_flight" });
    }

    [Fact]
    public async Task A_missing_or_unreadable_pinned_certificate_file_stops_the_app_at_start()
    {
        var directory = Directory.CreateTempSubdirectory("eventportal-tls-");
        try
        {
            var notACertificate = Path.Combine(directory.FullName, "relay.pem");
            await File.WriteAllTextAsync(notACertificate, "relay.example.jp\n");
            foreach (var (file, expected) in new[]
                     {
                         (Path.Combine(directory.FullName, "missing.pem"), "does not exist"),
                         (notACertificate, "holds no certificate"),
                     })
            {
                var settings = MailDelivery.SmtpSettings(2525);
                settings["EventPortal:Mail:Smtp:TrustedCertificateFile"] = file;
                var e = await Assert.ThrowsAnyAsync<Exception>(() => PortalApp.StartSqliteAsync(settings: settings));
                Assert.Contains("EventPortal:Mail:Smtp:TrustedCertificateFile", e.Message);
                Assert.Contains(expected, e.Message);
            }

            // A real certificate file is accepted, and the app starts.
            var certificate = TestCertificate.WritePem(directory.FullName, "relay");
            var good = MailDelivery.SmtpSettings(2525);
            good["EventPortal:Mail:Smtp:TrustedCertificateFile"] = certificate;
            await using var app = await PortalApp.StartSqliteAsync(settings: good);
        }
        finally { directory.Delete(recursive: true); }
    }

    static async Task WaitSentAsync(PortalApp app)
    {
        var deadline = DateTime.UtcNow + Wait;
        string status;
        while ((status = await app.QueryOneAsync<string>($"SELECT status FROM outbox WHERE {Confirmation}")) != "sent"
               && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal("sent", status);
    }
}
