using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Mail;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Mail;

/// <summary>
/// XOAUTH2, Microsoft 365's SMTP AUTH with an app token: the token comes from the fake identity
/// platform (<see cref="FakeGraph"/>, client credentials for Exchange Online's scope) and the test
/// SMTP server accepts only the tokens that platform issued, for the configured mailbox.
/// </summary>
public sealed class SmtpOAuthTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    const string Mailbox = "briefing@city.example.jp";

    static Task<PortalApp> StartAppAsync(SmtpServer smtp, FakeGraph identity, string? clientSecret = null,
        string userName = Mailbox, int messagesPerConnection = 100)
    {
        var settings = MailDelivery.SmtpSettings(smtp.Port);
        settings["EventPortal:Mail:Smtp:UserName"] = userName;
        settings["EventPortal:Mail:Smtp:MessagesPerConnection"] = messagesPerConnection.ToString();
        settings["EventPortal:Mail:Smtp:OAuth:TenantId"] = identity.TenantId;
        settings["EventPortal:Mail:Smtp:OAuth:ClientId"] = identity.ClientId;
        settings["EventPortal:Mail:Smtp:OAuth:ClientSecret"] = clientSecret ?? identity.ClientSecret;
        settings["EventPortal:Mail:Smtp:OAuth:AuthorityHost"] = identity.AuthorityHost;
        // The app's own settings above are validated at start; the credential the transport uses is
        // the fake's (same tenant, client and secret), because only it trusts the fake's certificate.
        return PortalApp.StartSqliteAsync(settings: settings, services: s => s.AddKeyedSingleton(
            MailTransports.SmtpOAuthCredential, identity.CreateCredential(clientSecret)));
    }

    static async Task<SmtpServer> StartRelayAsync(FakeGraph identity) =>
        await SmtpServer.StartAsync(new SmtpServerOptions(XOAuth2: $"{Mailbox}:{identity.ExchangeTokenFile}"));

    static async Task RegisterAsync(PortalApp app, params string[] emails)
    {
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        foreach (var email in emails) await client.RegisteredAsync(slug, email);
    }

    [Fact]
    public async Task Mail_goes_through_a_relay_that_takes_only_tokens_from_the_identity_platform_with_one_token_for_many_sessions()
    {
        await using var identity = await FakeGraph.StartAsync();
        await using var smtp = await StartRelayAsync(identity);
        // One message per session: three sessions authenticate, and the credential's cache serves them one token.
        await using var app = await StartAppAsync(smtp, identity, messagesPerConnection: 1);
        await RegisterAsync(app, "a@example.jp", "b@example.jp", "c@example.jp");

        var mails = await smtp.WaitForAsync(3, Wait);
        Assert.All(mails, m => Assert.Equal(Mailbox, m.AuthUser));
        Assert.Equal(1, identity.TokensIssued);
        Assert.Single(File.ReadAllLines(identity.ExchangeTokenFile));
    }

    [Fact]
    public async Task A_wrong_client_secret_leaves_the_mail_waiting_with_the_identity_platforms_reason()
    {
        await using var identity = await FakeGraph.StartAsync();
        await using var smtp = await StartRelayAsync(identity);
        await using var app = await StartAppAsync(smtp, identity, clientSecret: "not-the-secret");
        await RegisterAsync(app, "secret@example.jp");

        var error = await MailDelivery.RetryErrorAsync(app, Wait);
        Assert.StartsWith("SMTP XOAUTH2: no token from the identity platform: AADSTS7000215", error); // invalid client secret
        Assert.Equal(0, identity.TokensIssued);
        Assert.Empty(await smtp.MessagesAsync());
    }

    [Fact]
    public async Task A_token_for_another_mailbox_is_refused_by_the_relay_and_the_mail_waits()
    {
        await using var identity = await FakeGraph.StartAsync();
        await using var smtp = await StartRelayAsync(identity);
        await using var app = await StartAppAsync(smtp, identity, userName: "someone-else@city.example.jp");
        await RegisterAsync(app, "mailbox@example.jp");

        var error = await MailDelivery.RetryErrorAsync(app, Wait);
        Assert.StartsWith("SMTP authentication failed:", error);
        Assert.Contains("5.7.3", error);
        Assert.Equal(1, identity.TokensIssued);
        Assert.Empty(await smtp.MessagesAsync());
    }
}
