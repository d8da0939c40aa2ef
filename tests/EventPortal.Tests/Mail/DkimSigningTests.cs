using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventPortal.Tests.Events;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Mail;

namespace EventPortal.Tests.Mail;

/// <summary>
/// DKIM signatures the app makes, checked by an independent verifier (dkimpy, Debian's python3-dkim)
/// on the bytes a real SMTP server received, with the public key handed to it instead of DNS.
/// </summary>
public sealed class DkimSigningTests : IAsyncLifetime
{
    SmtpServer _smtp = null!;
    PortalApp _app = null!;
    string _keyFile = null!;
    string _record = null!;

    public async Task InitializeAsync()
    {
        using var rsa = RSA.Create(2048);
        _keyFile = Path.Combine(Path.GetTempPath(), $"eventportal-dkim-{Guid.NewGuid():N}.pem");
        // What `openssl genrsa` writes: PKCS#8.
        await File.WriteAllTextAsync(_keyFile, rsa.ExportPkcs8PrivateKeyPem());
        _record = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
        _smtp = await SmtpServer.StartAsync();
        var settings = new Dictionary<string, string?>(Organisers.Bootstrap())
        {
            ["EventPortal:Mail:Dkim:Domain"] = "portal.example.jp",
            ["EventPortal:Mail:Dkim:Selector"] = "ep2026",
            ["EventPortal:Mail:Dkim:PrivateKeyFile"] = _keyFile,
        };
        _app = await MailDelivery.StartAppAsync(_smtp.Port, settings);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
        File.Delete(_keyFile);
    }

    [Fact]
    public async Task A_confirmation_carries_a_relaxed_rsa_sha256_signature_that_dkimpy_verifies()
    {
        var slug = await _app.CreateEventAsync(title: "成果報告会:支援者を支えるメンタリング");
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "dkim@example.jp");
        var mail = Assert.Single(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(30)));

        var result = await VerifyAsync(mail.Raw);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        var asked = result.GetProperty("asked").EnumerateArray().Select(a => a.GetString()!.TrimEnd('.'));
        Assert.Equal(["ep2026._domainkey.portal.example.jp"], asked);
        var tags = result.GetProperty("tags");
        Assert.Equal("portal.example.jp", tags.GetProperty("d").GetString());
        Assert.Equal("rsa-sha256", tags.GetProperty("a").GetString());
        Assert.Equal("relaxed/relaxed", tags.GetProperty("c").GetString());
        var signed = tags.GetProperty("h").GetString()!.Split(':').Select(h => h.Trim().ToLowerInvariant()).ToList();
        Assert.Equal(DkimSigning.SignedHeaders.Select(h => h.ToLowerInvariant()).Order(), signed.Order());

        // The verifier really checks: a changed subject breaks the signature.
        var raw = Encoding.ASCII.GetString(mail.Raw);
        var subject = mail.RawHeader("Subject")!;
        var tampered = await VerifyAsync(Encoding.ASCII.GetBytes(raw.Replace(subject, "=?utf-8?b?5aSJ5pu0?=")));
        Assert.False(tampered.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task The_console_shows_the_TXT_record_to_publish()
    {
        Assert.Equal(_record, DkimSigning.TxtRecordFor(await File.ReadAllTextAsync(_keyFile)));
        using var owner = await _app.SignedInAsync();
        var page = System.Net.WebUtility.HtmlDecode(await owner.GetStringAsync("/admin/outbox"));
        Assert.Contains("ep2026._domainkey.portal.example.jp", page);
        Assert.Contains(_record, page);
    }

    async Task<JsonElement> VerifyAsync(byte[] message)
    {
        var file = Path.Combine(Path.GetTempPath(), $"eventportal-dkim-{Guid.NewGuid():N}.eml");
        await File.WriteAllBytesAsync(file, message);
        try
        {
            var tool = Path.Combine(Repo.Root, "tests", "tools", "dkim_verify.py");
            var (code, stdout, stderr) = await SmtpServer.RunAsync([tool, file, _record], TimeSpan.FromSeconds(60));
            Assert.True(code == 0, $"dkim_verify.py exited with {code} (python3-dkim missing? run ./scripts/test.sh): {stderr}");
            using var document = JsonDocument.Parse(stdout);
            return document.RootElement.Clone();
        }
        finally { File.Delete(file); }
    }
}
