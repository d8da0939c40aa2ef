using System.Net.Mail;
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

namespace EventPortal.Tests.Mail;

/// <summary>
/// Mail through Microsoft Graph sendMail (MIME) with Azure.Identity tokens, against
/// <see cref="FakeGraph"/>: the real app, the real outbox, a loopback HTTPS token endpoint and Graph.
/// </summary>
public sealed class GraphTransportTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    const string From = "events@contoso.example";

    public sealed class OutboxState
    {
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public string? LastError { get; init; }
        public string Kind { get; init; } = "";
        public override string ToString() => $"{Kind} {Status} after {Attempts} attempt(s): {LastError}";
    }

    static Task<PortalApp> StartAppAsync(FakeGraph graph, string? clientSecret = null)
    {
        var settings = graph.Settings();
        settings["EventPortal:PublicBaseUrl"] = "https://portal.example.jp";
        settings["EventPortal:Mail:From"] = From;
        settings["EventPortal:Mail:FromName"] = "説明会事務局";
        settings["EventPortal:Outbox:RetryBaseSeconds"] = "1";
        settings["EventPortal:Outbox:PollSeconds"] = "0.2";
        return PortalApp.StartSqliteAsync(settings: settings, services: s => graph.ConfigureServices(s, clientSecret));
    }

    static Task<List<OutboxState>> RowsAsync(PortalApp app) =>
        app.QueryAsync<OutboxState>("SELECT status, attempts, last_error, kind FROM outbox ORDER BY id");

    static Task<OutboxState> ConfirmationRowAsync(PortalApp app) =>
        app.QueryOneAsync<OutboxState>($"SELECT status, attempts, last_error, kind FROM outbox WHERE kind = '{OutboxRows.Kinds.Confirmed}'");

    /// <summary>Polls the confirmation's outbox row until <paramref name="done"/> holds.</summary>
    static async Task<OutboxState> WaitForRowAsync(PortalApp app, Func<OutboxState, bool> done)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var row = await ConfirmationRowAsync(app);
            if (done(row)) return row;
            Assert.True(DateTime.UtcNow < deadline, $"outbox row did not get there within {Wait.TotalSeconds} s: {row}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_registration_sends_exactly_one_confirmation_as_MIME_with_the_invite()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAppAsync(graph);
        var slug = await app.CreateEventAsync(title: "成果報告会:支援者を支えるメンタリング");
        using var client = app.Client();
        await client.RegisteredAsync(slug, "hanako@example.jp");

        await graph.WaitForMailsAsync(1, Wait);
        await Task.Delay(1500); // a duplicate would arrive by now
        var sent = Assert.Single(graph.Mails);
        Assert.Equal(graph.SenderUserId, sent.UserId);

        // The pickup envelope (X-Sender / X-Receiver) is gone; the message starts with real headers.
        Assert.DoesNotContain("X-Sender:", sent.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Receiver:", sent.Text, StringComparison.OrdinalIgnoreCase);

        var mail = await sent.ParseAsync();
        Assert.Equal("hanako@example.jp", mail.To);
        Assert.Equal(From, mail.FromAddress);
        Assert.Equal("説明会事務局", mail.FromName);
        Assert.Contains("成果報告会", mail.Subject);
        Assert.Equal("auto-generated", mail.Header("Auto-Submitted"));
        var calendar = mail.Part("text/calendar")!.Value;
        Assert.Equal("REQUEST", calendar.GetProperty("params").GetProperty("method").GetString(), ignoreCase: true);
        Assert.Contains("BEGIN:VCALENDAR", mail.Text("text/calendar"));
        Assert.Contains("METHOD:REQUEST", mail.Text("text/calendar"));
        Assert.Empty(mail.Parsed.GetProperty("defects").EnumerateArray());

        var row = await ConfirmationRowAsync(app);
        Assert.Equal(("sent", 1, (string?)null), (row.Status, row.Attempts, row.LastError));
        Assert.Equal(1, graph.TokensIssued);
        // With DisableInstanceDiscovery MSAL goes straight to the token endpoint.
        Assert.All(graph.Requests, r => Assert.True(r.Contains("/oauth2/v2.0/token") || r.Contains("/sendMail"), r));
    }

    [Fact]
    public async Task The_token_is_fetched_once_and_reused_for_several_mails()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAppAsync(graph);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        for (var i = 1; i <= 3; i++) await client.RegisteredAsync(slug, $"person{i}@example.jp");

        var mails = await graph.WaitForMailsAsync(3, Wait);
        var recipients = (await Task.WhenAll(mails.Select(m => m.ParseAsync()))).Select(m => m.To).Order().ToList();
        Assert.Equal(["person1@example.jp", "person2@example.jp", "person3@example.jp"], recipients);
        Assert.Equal(1, graph.TokenRequests);
        Assert.Equal(3, graph.SendMailCalls.Count);
    }

    [Fact]
    public async Task Throttling_429_waits_for_Retry_After_then_delivers_once()
    {
        await using var graph = await FakeGraph.StartAsync();
        // Longer than the back-off (RetryBaseSeconds=1 → 0.8–1.2 s), so the gap shows Retry-After was honoured.
        graph.FailNext(FakeGraphFailure.Throttled, retryAfterSeconds: 3);
        await using var app = await StartAppAsync(graph);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "throttled@example.jp");

        await graph.WaitForMailsAsync(1, Wait);
        var row = await WaitForRowAsync(app, r => r.Status == "sent");
        await Task.Delay(1000);
        Assert.Single(graph.Mails);
        Assert.Equal(2, row.Attempts);
        var calls = graph.SendMailCalls;
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1] - calls[0] >= TimeSpan.FromSeconds(2.8), $"retried after {(calls[1] - calls[0]).TotalSeconds:0.00} s, Retry-After was 3 s");
    }

    [Fact]
    public async Task A_503_with_Retry_After_is_retried()
    {
        await using var graph = await FakeGraph.StartAsync();
        graph.FailNext(FakeGraphFailure.Unavailable, retryAfterSeconds: 1);
        await using var app = await StartAppAsync(graph);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "unavailable@example.jp");

        var row = await WaitForRowAsync(app, r => r.Status == "sent");
        Assert.Equal(2, row.Attempts);
        Assert.Single(graph.Mails);
    }

    [Fact]
    public async Task A_500_is_retried_and_then_delivered()
    {
        await using var graph = await FakeGraph.StartAsync();
        graph.FailNext(FakeGraphFailure.ServerError);
        await using var app = await StartAppAsync(graph);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "retry@example.jp");

        var row = await WaitForRowAsync(app, r => r.Status == "sent");
        Assert.Equal(2, row.Attempts);
        Assert.Null(row.LastError);
        Assert.Single(graph.Mails);
        var calls = graph.SendMailCalls;
        Assert.Equal(2, calls.Count);
        // No Retry-After on a 500: the dispatcher's back-off (RetryBaseSeconds=1, ±20 %) applies.
        // Only the lower bound is exact; a busy machine may add seconds on top.
        Assert.InRange((calls[1] - calls[0]).TotalSeconds, 0.7, 15);
        Assert.Equal(1, graph.TokenRequests);
    }

    [Fact]
    public async Task Invalid_recipients_fail_the_row_at_once_with_the_code()
    {
        await using var graph = await FakeGraph.StartAsync();
        graph.FailNext(FakeGraphFailure.InvalidRecipients);
        await using var app = await StartAppAsync(graph);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "nobody@example.jp");

        var row = await WaitForRowAsync(app, r => r.Status == "failed");
        Assert.Equal(1, row.Attempts);
        Assert.StartsWith("Graph 400 ErrorInvalidRecipients: ", row.LastError);
        await Task.Delay(2000); // RetryBaseSeconds=1: a retry would have happened by now
        Assert.Single(graph.SendMailCalls);
        Assert.Empty(graph.Mails);
        Assert.Equal("failed", (await ConfirmationRowAsync(app)).Status);
    }

    [Fact]
    public async Task A_wrong_client_secret_keeps_the_mail_queued_for_retry()
    {
        await using var graph = await FakeGraph.StartAsync();
        await using var app = await StartAppAsync(graph, clientSecret: "not-the-secret");
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "waiting@example.jp");

        var row = await WaitForRowAsync(app, r => r.Status == "retry" && r.Attempts >= 2);
        Assert.Contains("Graph 401 invalid_client", row.LastError);
        Assert.Contains("AADSTS7000215", row.LastError);
        Assert.DoesNotContain("not-the-secret", row.LastError);
        Assert.Empty(graph.SendMailCalls);   // never got as far as Graph
        Assert.Empty(graph.Mails);
        Assert.True(graph.TokenRequests >= 2, $"token requests: {graph.TokenRequests}");
        Assert.Equal(0, graph.TokensIssued);
        Assert.All(await RowsAsync(app), r => Assert.NotEqual("sent", r.Status));
    }

    [Fact]
    public async Task The_fake_rejects_what_Graph_rejects()
    {
        await using var graph = await FakeGraph.StartAsync();
        using var http = new HttpClient(graph.CreateTrustingHandler());
        var token = (await graph.CreateCredential().GetTokenAsync(new TokenRequestContext([GraphClient.Scope]), default)).Token;
        var url = $"{graph.BaseUrl}/users/{graph.SenderUserId}/sendMail";

        async Task<(int Status, string Body)> Post(string? bearer, string body, string contentType = "text/plain", string? to = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, to ?? url) { Content = new StringContent(body, Encoding.ASCII, contentType) };
            if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        var mime = Convert.ToBase64String(Encoding.ASCII.GetBytes("From: a@example.jp\r\nTo: b@example.jp\r\nSubject: x\r\n\r\nbody\r\n"));

        Assert.Contains("InvalidAuthenticationToken", (await Post(null, mime)).Body);
        Assert.Equal(401, (await Post("made-up", mime)).Status);
        Assert.Contains("ErrorMimeContentInvalidBase64String", (await Post(token, "not base64!")).Body);
        Assert.Contains("ErrorMimeContentInvalid\"", (await Post(token, Convert.ToBase64String("Subject: x\r\n\r\nbody"u8.ToArray()))).Body);
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
            ["client_id"] = graph.ClientId, ["client_secret"] = graph.ClientSecret, ["scope"] = FakeGraph.GraphScope, ["grant_type"] = "client_credentials",
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
                ["EventPortal:Mail:Graph:TenantId"] = "tenant", ["EventPortal:Mail:Graph:ClientId"] = "client", ["EventPortal:Mail:Graph:ClientSecret"] = "secret",
            }).Build());
            services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section);
            first?.Invoke(services);
            services.AddGraph();
            return services.BuildServiceProvider();
        }
        Assert.IsType<ClientSecretCredential>(Build().GetRequiredKeyedService<TokenCredential>(GraphUse.Mail));
        var mine = new ClientSecretCredential("t", "c", "s");
        Assert.Same(mine, Build(s => s.AddKeyedSingleton<TokenCredential>(GraphUse.Mail, mine)).GetRequiredKeyedService<TokenCredential>(GraphUse.Mail));
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
            ["EventPortal:Meetings:Teams:ClientSecret"] = "teams-secret", ["EventPortal:Meetings:Teams:GraphBaseUrl"] = "https://graph.example/beta",
        }).Build());
        services.AddGraph();
        using var provider = services.BuildServiceProvider();

        var settings = provider.GetRequiredService<IOptionsMonitor<GraphOptions>>();
        Assert.Equal(("mail-client", "https://graph.microsoft.com/v1.0"), (settings.Get(GraphUse.Mail).ClientId, settings.Get(GraphUse.Mail).GraphBaseUrl));
        Assert.Equal(("teams-client", "https://graph.example/beta"), (settings.Get(GraphUse.Meetings).ClientId, settings.Get(GraphUse.Meetings).GraphBaseUrl));
        Assert.NotSame(provider.GetRequiredKeyedService<TokenCredential>(GraphUse.Mail), provider.GetRequiredKeyedService<TokenCredential>(GraphUse.Meetings));
        Assert.NotSame(provider.GetRequiredKeyedService<GraphClient>(GraphUse.Mail), provider.GetRequiredKeyedService<GraphClient>(GraphUse.Meetings));
    }

    [Fact]
    public async Task The_MIME_from_the_pickup_directory_loses_its_envelope_lines_even_when_folded()
    {
        using var message = new MailMessage(
            new MailAddress("office@example.jp", "とても長い名前の事務局 とても長い名前の事務局 とても長い名前の事務局"),
            new MailAddress("to@example.jp", "山田 花子 とても長い名前の受信者 とても長い名前の受信者 とても長い名前の受信者"))
        {
            Subject = "件名", SubjectEncoding = Encoding.UTF8, HeadersEncoding = Encoding.UTF8, Body = "本文", BodyEncoding = Encoding.UTF8,
        };
        message.CC.Add("cc@example.jp");
        var mime = Encoding.ASCII.GetString(await GraphMailTransport.ToMimeAsync(message, CancellationToken.None));
        Assert.DoesNotContain("X-Sender", mime);
        Assert.DoesNotContain("X-Receiver", mime);
        Assert.False(char.IsWhiteSpace(mime[0]), mime[..40]);
        Assert.Contains("\r\nTo: ", "\r\n" + mime);
        Assert.Contains("\r\nCc: cc@example.jp\r\n", mime);
        Assert.Contains("\r\n\r\n", mime);

        var stripped = GraphMailTransport.StripPickupEnvelope("X-Sender: a@b\r\nX-Receiver: =?utf-8?Q?x?=\r\n =?utf-8?Q?y?= <c@d>\r\nFrom: a@b\r\n\r\nbody"u8.ToArray());
        Assert.Equal("From: a@b\r\n\r\nbody", Encoding.ASCII.GetString(stripped));
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
        var transport = new GraphMailTransport(provider.GetRequiredKeyedService<GraphClient>(GraphUse.Mail), provider.GetRequiredService<IOptions<MailOptions>>(),
            NullLogger<GraphMailTransport>.Instance);

        using var message = new MailMessage("office@example.jp", "to@example.jp", "件名", "本文");
        message.Bcc.Add("hidden@example.jp");
        var e = await Assert.ThrowsAsync<OutboxException>(() => transport.SendAsync(message, CancellationToken.None));
        Assert.True(e.Permanent);
        Assert.Empty(graph.SendMailCalls);
    }
}
