using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EventPortal.Tests.Proof;

/// <summary>
/// Seat-drain: one client sends registrations with made-up addresses to an event whose seats
/// confirm the address (double opt-in), across two app instances on PostgreSQL, while real
/// people (each from a network of their own, behind a trusted proxy) register and confirm through
/// the links mailed to them by a real SMTP server. The client holds at most its share of seats,
/// confirms none, and when its holds run out every held seat goes to the waitlist, once.
/// </summary>
[Collection(ProofCollection.Name)]
public sealed class SeatDrain(ITestOutputHelper output)
{
    const int HoldsPerNetwork = 5;

    [Fact]
    public async Task One_client_with_made_up_addresses_holds_at_most_its_share_and_every_held_seat_goes_back_to_the_waitlist()
    {
        var attempts = ProofRun.Size("DRAIN", 60);
        var seats = ProofRun.Size("DRAIN_SEATS", 20);
        // Long enough for the people after the drain to register and confirm before the drained holds run out.
        var holdSeconds = ProofRun.Size("DRAIN_HOLD_SECONDS", 45);
        var waiting = Math.Max(2 * HoldsPerNetwork, seats / 10);
        await using var cluster = await ProofCluster.StartAsync(2, new Dictionary<string, string>
        {
            ["EventPortal:Registration:HoldMinutes"] = (holdSeconds / 60.0).ToString(CultureInfo.InvariantCulture),
            ["EventPortal:Registration:HoldsPerNetwork"] = HoldsPerNetwork.ToString(CultureInfo.InvariantCulture),
            ["EventPortal:Registration:SweepSeconds"] = "0.5",
            // Real people come through the proxy with their own addresses; the draining client talks to the app directly.
            ["EventPortal:Proxy:KnownProxies:0"] = "127.0.0.1",
        });
        var slug = await cluster.CreateEventAsync("drain", "座席確保攻撃の検証", seats, waitlist: true, confirmAddress: true);
        using var people = new People(cluster, slug);

        // Half the seats go to people who confirm at once; then the drain; then people take the rest and queue up.
        var early = seats / 2;
        await people.RegisterAsync(0, early, "pending");
        await people.ConfirmAsync(0, early);
        using var crowd = new Crowd(cluster);
        var drain = Enumerable.Range(0, attempts)
            .Select(i => new Attempt(i, slug, $"made-up-{i:00000}@drain.example.jp", "live", i % 2)).ToList();
        var answers = await crowd.RunAsync(drain, ProofRun.Size("CONCURRENCY", 32));
        var holds = answers.Count(a => a.Status == 202);
        var held = await cluster.QueryOneAsync<int>(
            "SELECT COUNT(*)::int FROM registrations WHERE email LIKE 'made-up-%' AND status = 'pending'");
        await people.RegisterAsync(early, seats - early - HoldsPerNetwork, "pending");
        await people.RegisterAsync(seats - HoldsPerNetwork, waiting, "waitlisted");   // the event is full: the holds still run
        await people.ConfirmAsync(early, seats - early - HoldsPerNetwork + waiting);

        // While the holds run: the client has its share and not one confirmed seat; the event is full.
        var confirmedWithoutMail = await CountAsync(cluster, "made-up-%", "confirmed");
        Assert.True(answers.All(a => a.Status is 202 or 429), string.Join(", ", answers.Select(a => a.Status).Distinct()));
        Assert.Equal(HoldsPerNetwork, holds);
        Assert.Equal(HoldsPerNetwork, held);
        Assert.Equal(0, confirmedWithoutMail);
        Assert.True(await CountAsync(cluster, "made-up-%", "pending") == HoldsPerNetwork,
            "the holds ran out before the people after the drain had confirmed: raise PROOF_DRAIN_HOLD_SECONDS");

        // After the hold time: every held seat is back and went to the oldest people waiting, each once.
        var lapsesAt = await cluster.QueryOneAsync<DateTime>("SELECT MAX(hold_until) FROM registrations WHERE status = 'pending'");
        var releasedAfter = await WaitForNoHoldsAsync(cluster, lapsesAt, TimeSpan.FromSeconds(holdSeconds + 60));
        Assert.Equal(HoldsPerNetwork, await CountAsync(cluster, "made-up-%", "cancelled"));
        Assert.Equal(seats, await CountAsync(cluster, "person-%", "confirmed"));
        Assert.Equal(waiting - HoldsPerNetwork, await CountAsync(cluster, "person-%", "waitlisted"));
        var promoted = await cluster.QueryAsync<string>(
            "SELECT email FROM registrations WHERE promoted_at IS NOT NULL ORDER BY email");
        Assert.Equal(people.Emails(seats - HoldsPerNetwork, HoldsPerNetwork).Order(), promoted);
        Assert.Equal(seats, await cluster.QueryOneAsync<int>(
            "SELECT COUNT(*)::int FROM seats s JOIN ticket_types t ON t.id = s.ticket_type_id " +
            "JOIN events e ON e.id = t.event_id WHERE e.slug = 'drain' AND t.code = 'live' AND s.registration_id IS NOT NULL"));
        await Ledger.WaitForMailAsync(cluster, TimeSpan.FromSeconds(60));
        Assert.Equal(HoldsPerNetwork, await cluster.QueryOneAsync<int>(
            "SELECT COUNT(*)::int FROM outbox WHERE kind = 'mail.registration_promoted' AND status = 'sent'"));
        var drainMail = (await cluster.Smtp.MessagesAsync())
            .Count(m => m.RcptTos.Any(r => r.StartsWith("made-up-", StringComparison.Ordinal)));
        Assert.Equal(HoldsPerNetwork, drainMail);   // the confirmation link each, nothing after the lapse

        ProofRun.Record(output, "seat-drain", new Dictionary<string, object?>
        {
            ["instances"] = cluster.Count, ["seats"] = seats, ["attempts"] = attempts,
            ["holds_by_one_client"] = holds, ["refused_429"] = answers.Count(a => a.Status == 429),
            ["confirmed_without_mail"] = confirmedWithoutMail, ["seats_back_after_hold"] = HoldsPerNetwork,
            ["promoted_from_waitlist"] = promoted.Count, ["hold_seconds"] = holdSeconds,
            ["released_s_after_lapse"] = Math.Round(releasedAfter.TotalSeconds, 1),
            ["status_5xx"] = answers.Count(a => a.Status >= 500), ["mail_to_made_up_addresses"] = drainMail,
        });
    }

    static Task<int> CountAsync(ProofCluster cluster, string emailLike, string status) =>
        cluster.QueryOneAsync<int>("SELECT COUNT(*)::int FROM registrations WHERE email LIKE @emailLike AND status = @status",
            new { emailLike, status });

    /// <summary>Waits for the sweep to release every hold; returns how long after the last hold ran out that was.</summary>
    static async Task<TimeSpan> WaitForNoHoldsAsync(ProofCluster cluster, DateTime lapsesAt, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await cluster.QueryOneAsync<int>("SELECT COUNT(*)::int FROM registrations WHERE status = 'pending'") > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "holds not released in time:\n" + cluster.Output);
            await Task.Delay(200);
        }
        return DateTime.UtcNow - DateTime.SpecifyKind(lapsesAt, DateTimeKind.Utc);
    }

    /// <summary>Real people: each from a network of their own (X-Forwarded-For), confirming through the link mailed to them.</summary>
    sealed class People(ProofCluster cluster, string slug) : IDisposable
    {
        readonly HttpClient[] _clients = Enumerable.Range(0, cluster.Count)
            .Select(i => new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            {
                BaseAddress = cluster.Address(i), Timeout = TimeSpan.FromSeconds(60),
            }).ToArray();

        public IEnumerable<string> Emails(int from, int count) => Enumerable.Range(from, count).Select(i => $"person-{i:00000}@example.jp");

        /// <summary>People <paramref name="from"/> onwards register, one after another.</summary>
        public async Task RegisterAsync(int from, int count, string expectedStatus)
        {
            foreach (var (email, i) in Emails(from, count).Select((e, k) => (e, from + k)))
            {
                var client = _clients[i % _clients.Length];
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{slug}/registrations")
                {
                    Content = JsonContent.Create(new
                    {
                        familyName = "山田", givenName = "花子", email, organization = "検証市役所", ticketType = "live",
                        consent = true,
                    }),
                };
                request.Headers.Add("X-Forwarded-For", $"10.{i / 250 % 250}.{i % 250}.1");
                using var response = await client.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{email}: {(int)response.StatusCode}");
                Assert.Equal(expectedStatus,
                    (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString());
            }
        }

        /// <summary>People <paramref name="from"/> onwards each open the link mailed to them.</summary>
        public Task ConfirmAsync(int from, int count) =>
            Task.WhenAll(Emails(from, count).Select(async (email, k) =>
            {
                var link = await cluster.Smtp.ConfirmLinkAsync(email, TimeSpan.FromSeconds(180));
                var opened = await _clients[k % _clients.Length].GetAsync(link);
                Assert.Equal(HttpStatusCode.SeeOther, opened.StatusCode);
                Assert.EndsWith("?done=confirmed", opened.Headers.Location!.OriginalString);
            }));

        public void Dispose()
        {
            foreach (var client in _clients) client.Dispose();
        }
    }
}
