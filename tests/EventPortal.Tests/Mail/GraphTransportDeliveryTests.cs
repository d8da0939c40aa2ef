using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Mail;
using EventPortal.Web.Outbox;

namespace EventPortal.Tests.Mail;

/// <summary>
/// Mail through Microsoft Graph sendMail (MIME) with Azure.Identity tokens, against
/// <see cref="FakeGraph"/>: the real app, the real outbox, a loopback HTTPS token endpoint and Graph.
/// One confirmation per registration, one token for many mails, and what each refusal does to the
/// outbox row (retry after Retry-After or back-off, fail at once, stay queued).
/// </summary>
public sealed class GraphTransportDeliveryTests
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
        app.QueryOneAsync<OutboxState>(
            $"SELECT status, attempts, last_error, kind FROM outbox WHERE kind = '{OutboxRows.Kinds.Confirmed}'");

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
        Assert.True(calls[1] - calls[0] >= TimeSpan.FromSeconds(2.8),
            $"retried after {(calls[1] - calls[0]).TotalSeconds:0.00} s, Retry-After was 3 s");
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
}
