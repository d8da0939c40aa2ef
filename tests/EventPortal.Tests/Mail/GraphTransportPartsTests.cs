using System.Text;
using Azure.Core;
using Azure.Identity;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Mail;
using EventPortal.Web.Outbox;
using EventPortal.Web.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EventPortal.Tests.Mail;

/// <summary>
/// The Graph transport's parts on their own, without the app: the credential and client each use
/// (mail, meetings) builds from its settings, the MIME handed to Graph, a Bcc refused before
/// anything is sent, and <see cref="FakeGraph"/> refusing what Graph refuses.
/// </summary>
public sealed class GraphTransportPartsTests
{
    [Fact]
    public async Task The_fake_rejects_what_Graph_rejects()
    {
        await using var graph = await FakeGraph.StartAsync();
        using var http = new HttpClient(graph.CreateTrustingHandler());
        var token = (await graph.CreateCredential().GetTokenAsync(new TokenRequestContext([GraphServices.Scope]), default)).Token;
        var url = $"{graph.BaseUrl}/users/{graph.SenderUserId}/sendMail";

        async Task<(int Status, string Body)> Post(string? bearer, string body, string contentType = "text/plain", string? to = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, to ?? url)
            {
                Content = new StringContent(body, Encoding.ASCII, contentType),
            };
            if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        var mime = Convert.ToBase64String(Encoding.ASCII.GetBytes("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: x\r\n\r\nbody\r\n"));

        Assert.Contains("InvalidAuthenticationToken", (await Post(null, mime)).Body);
        Assert.Equal(401, (await Post("made-up", mime)).Status);
        Assert.Contains("ErrorMimeContentInvalidBase64String", (await Post(token, "not base64!")).Body);
        var noFromOrTo = Convert.ToBase64String("Subject: x\r\n\r\nbody"u8.ToArray());
        Assert.Contains("ErrorMimeContentInvalid\"", (await Post(token, noFromOrTo)).Body);
        Assert.Equal(404, (await Post(token, mime, to: $"{graph.BaseUrl}/users/someone-else@contoso.example/sendMail")).Status);
        Assert.Equal(202, (await Post(token, mime)).Status);
        Assert.Single(graph.Mails);

        // Token endpoint: wrong secret 401 invalid_client, missing field 400 invalid_request.
        var tokenUrl = $"{graph.AuthorityHost}/{graph.TenantId}/oauth2/v2.0/token";
        async Task<(int, string)> Token(Dictionary<string, string> form)
        {
            using var response = await http.PostAsync(tokenUrl, new FormUrlEncodedContent(form));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        var good = new Dictionary<string, string>
        {
            ["client_id"] = graph.ClientId, ["client_secret"] = graph.ClientSecret, ["scope"] = FakeGraph.GraphScope,
            ["grant_type"] = "client_credentials",
        };
        var (status, body) = await Token(good);
        Assert.Equal(200, status);
        Assert.Contains("\"token_type\":\"Bearer\"", body);
        Assert.Contains("\"expires_in\":3599", body);
        (status, body) = await Token(new(good) { ["client_secret"] = "wrong" });
        Assert.Equal((401, true), (status, body.Contains("\"invalid_client\"")));
        (status, body) = await Token(good.Where(kv => kv.Key != "grant_type").ToDictionary());
        Assert.Equal((400, true), (status, body.Contains("\"invalid_request\"")));
    }

    [Fact]
    public async Task AddGraph_builds_a_ClientSecretCredential_from_the_settings_unless_one_is_registered()
    {
        static IServiceProvider Build(Action<IServiceCollection>? first = null)
        {
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["EventPortal:Mail:Graph:TenantId"] = "tenant", ["EventPortal:Mail:Graph:ClientId"] = "client",
                ["EventPortal:Mail:Graph:ClientSecret"] = "secret",
            }).Build());
            services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section);
            first?.Invoke(services);
            services.AddGraph();
            return services.BuildServiceProvider();
        }
        Assert.IsType<ClientSecretCredential>(Build().GetRequiredKeyedService<TokenCredential>(GraphUse.Mail));
        var mine = new ClientSecretCredential("t", "c", "s");
        var registered = Build(s => s.AddKeyedSingleton<TokenCredential>(GraphUse.Mail, mine));
        Assert.Same(mine, registered.GetRequiredKeyedService<TokenCredential>(GraphUse.Mail));
        await Task.CompletedTask;
    }

    [Fact]
    public void Mail_and_meetings_each_get_a_Graph_client_and_credential_from_their_own_settings()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventPortal:Mail:Graph:TenantId"] = "tenant", ["EventPortal:Mail:Graph:ClientId"] = "mail-client",
            ["EventPortal:Mail:Graph:ClientSecret"] = "mail-secret",
            ["EventPortal:Meetings:Teams:TenantId"] = "tenant", ["EventPortal:Meetings:Teams:ClientId"] = "teams-client",
            ["EventPortal:Meetings:Teams:ClientSecret"] = "teams-secret",
            ["EventPortal:Meetings:Teams:GraphBaseUrl"] = "https://graph.example/beta",
        }).Build());
        services.AddGraph();
        using var provider = services.BuildServiceProvider();

        var settings = provider.GetRequiredService<IOptionsMonitor<GraphOptions>>();
        var (mail, meetings) = (settings.Get(GraphUse.Mail), settings.Get(GraphUse.Meetings));
        Assert.Equal(("mail-client", "https://graph.microsoft.com/v1.0"), (mail.ClientId, mail.GraphBaseUrl));
        Assert.Equal(("teams-client", "https://graph.example/beta"), (meetings.ClientId, meetings.GraphBaseUrl));
        Assert.NotSame(provider.GetRequiredKeyedService<TokenCredential>(GraphUse.Mail),
            provider.GetRequiredKeyedService<TokenCredential>(GraphUse.Meetings));
        Assert.NotSame(provider.GetRequiredKeyedService<Microsoft.Graph.GraphServiceClient>(GraphUse.Mail),
            provider.GetRequiredKeyedService<Microsoft.Graph.GraphServiceClient>(GraphUse.Meetings));
    }

    [Fact]
    public async Task The_MIME_handed_to_Graph_is_what_MimeKit_writes_with_CRLF_and_long_names_folded()
    {
        var message = new MimeMessage { Subject = "件名" };
        message.From.Add(new MailboxAddress("とても長い名前の事務局 とても長い名前の事務局 とても長い名前の事務局", "office@example.jp"));
        message.To.Add(new MailboxAddress("山田 花子 とても長い名前の受信者 とても長い名前の受信者 とても長い名前の受信者", "to@example.jp"));
        message.Cc.Add(new MailboxAddress("", "cc@example.jp"));
        message.Body = new TextPart("plain") { Text = "本文" };
        var bytes = await MailFormat.BytesAsync(message, CancellationToken.None);
        var mime = Encoding.UTF8.GetString(bytes);

        Assert.DoesNotContain("X-Sender", mime);
        Assert.False(char.IsWhiteSpace(mime[0]), mime[..40]);
        Assert.Contains("\r\nTo: ", "\r\n" + mime);
        Assert.Contains("\r\nCc: cc@example.jp\r\n", mime);
        Assert.Contains("\r\n\r\n", mime);
        Assert.DoesNotContain("\n", mime.Replace("\r\n", ""));
        Assert.All(mime.Split("\r\n"), line => Assert.True(line.Length <= 998));
        var parsed = MimeMessage.Load(new MemoryStream(bytes));
        Assert.Equal(message.From.Mailboxes.Single().Name, parsed.From.Mailboxes.Single().Name);
    }

    [Fact]
    public async Task Bcc_is_refused_rather_than_silently_dropped()
    {
        await using var graph = await FakeGraph.StartAsync();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(graph.Settings()).Build());
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section);
        graph.ConfigureServices(services);
        services.AddGraph();
        using var provider = services.BuildServiceProvider();
        var transport = new GraphMailTransport(provider.GetRequiredKeyedService<Microsoft.Graph.GraphServiceClient>(GraphUse.Mail),
            provider.GetRequiredService<IOptions<MailOptions>>(), NullLogger<GraphMailTransport>.Instance);

        var message = new MimeMessage { Subject = "件名", Body = new TextPart("plain") { Text = "本文" } };
        message.From.Add(new MailboxAddress("", "office@example.jp"));
        message.To.Add(new MailboxAddress("", "to@example.jp"));
        message.Bcc.Add(new MailboxAddress("", "hidden@example.jp"));
        var e = await Assert.ThrowsAsync<OutboxException>(() => transport.SendAsync(message, CancellationToken.None));
        Assert.True(e.Permanent);
        Assert.Empty(graph.SendMailCalls);
    }
}
