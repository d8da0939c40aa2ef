using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventPortal.Tests.Proof;

/// <summary>One registration someone tries: which event, ticket and address, and which instance it goes to first.</summary>
public sealed record Attempt(int Index, string Slug, string Email, string Ticket, int Instance);

/// <summary>
/// What came back: the HTTP status (0: no answer, the connection broke after the request was
/// sent), the registration's status from a 201, the latency, and which instance answered.
/// </summary>
public sealed record Answer(
    Attempt Attempt, int Status, string? RegistrationStatus, double Milliseconds, int Via, double AtSeconds, string? Error);

/// <summary>
/// A flash crowd: registrations through <c>POST /api/events/{slug}/registrations</c>, as many at
/// once as <c>concurrency</c>, optionally paced to a rate, across the cluster's instances. Like a
/// load balancer, a request that cannot even connect (an instance is down) goes to the next
/// instance; a request that was sent and then lost its connection is not repeated: its answer is
/// "none", and the registration may or may not exist, which the checks allow for.
/// </summary>
public sealed class Crowd(ProofCluster cluster) : IDisposable
{
    readonly HttpClient[] _clients = Enumerable.Range(0, cluster.Count).Select(i => new HttpClient(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1000,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    { BaseAddress = cluster.Address(i), Timeout = TimeSpan.FromSeconds(60) }).ToArray();

    /// <summary>
    /// A plan: <paramref name="count"/> registrations spread over the events, instances alternating, in a fixed shuffled order.
    /// </summary>
    public static List<Attempt> Plan(
        string run, int count, IReadOnlyList<(string Slug, double Share)> events, int instances, int seed, int repeatedPairs = 0)
    {
        var random = new Random(seed);
        var attempts = new List<Attempt>(count + 2 * repeatedPairs);
        for (var i = 0; i < count; i++)
        {
            var pick = random.NextDouble() * events.Sum(e => e.Share);
            var slug = events.First(e => (pick -= e.Share) < 0 || e == events[^1]).Slug;
            attempts.Add(new Attempt(0, slug, $"{run}-{i:00000}@crowd.example.jp", "live", i % instances));
        }
        attempts = attempts.OrderBy(_ => random.Next()).ToList();
        // The same person twice at the same moment, once on each instance (a double click behind a load balancer).
        for (var i = 0; i < repeatedPairs; i++)
        {
            var at = random.Next(attempts.Count + 1);
            var email = $"{run}-twice-{i:000}@crowd.example.jp";
            attempts.Insert(at, new Attempt(0, events[0].Slug, email, "live", 0));
            attempts.Insert(at, new Attempt(0, events[0].Slug, email, "live", 1 % instances));
        }
        return attempts.Select((a, i) => a with { Index = i }).ToList();
    }

    /// <summary>
    /// Sends every attempt. <paramref name="perSecond"/> &gt; 0 paces the starts; each of
    /// <paramref name="events"/> runs once, in the background, when that many answers are in.
    /// </summary>
    public async Task<Answer[]> RunAsync(IReadOnlyList<Attempt> attempts, int concurrency, double perSecond = 0,
        IReadOnlyList<(int AfterAnswers, Func<Task> Action)>? events = null)
    {
        var answers = new Answer[attempts.Count];
        var next = -1;
        var answered = 0;
        var fired = new List<Task>();
        var pending = (events ?? []).OrderBy(e => e.AfterAnswers).ToList();
        var clock = Stopwatch.StartNew();

        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < attempts.Count)
            {
                if (perSecond > 0)
                {
                    var due = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due);
                }
                answers[i] = await SendAsync(attempts[i], clock);
                var n = Interlocked.Increment(ref answered);
                lock (pending)
                    while (pending.Count > 0 && n >= pending[0].AfterAnswers)
                    {
                        var action = pending[0].Action;
                        pending.RemoveAt(0);
                        fired.Add(Task.Run(action));
                    }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        Task[] background;
        lock (pending) background = fired.ToArray();
        await Task.WhenAll(background);
        return answers;
    }

    async Task<Answer> SendAsync(Attempt a, Stopwatch clock)
    {
        var body = new
        {
            familyName = "山田", givenName = "花子", email = a.Email, organization = "負荷試験市役所", ticketType = a.Ticket, consent = true
        };
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
        var instance = a.Instance;
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await _clients[instance].PostAsJsonAsync($"/api/events/{a.Slug}/registrations", body);
                var text = await response.Content.ReadAsStringAsync();
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                string? status = null;
                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    status = JsonDocument.Parse(text).RootElement.GetProperty("status").GetString();
                return new Answer(a, (int)response.StatusCode, status, ms, instance, clock.Elapsed.TotalSeconds,
                    (int)response.StatusCode >= 500 ? text : null);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && clock.Elapsed < deadline)
            {
                // Nothing was sent: the instance is down. Like a load balancer, try the next one.
                instance = (instance + 1) % _clients.Length;
                if (instance == a.Instance) await Task.Delay(100);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                return new Answer(a, 0, null, Stopwatch.GetElapsedTime(started).TotalMilliseconds, instance, clock.Elapsed.TotalSeconds,
                    e.Message);
            }
        }
    }

    /// <summary>Throughput and latency of the answered requests.</summary>
    public static Dictionary<string, object?> Figures(IReadOnlyList<Answer> answers)
    {
        var got = answers.Where(a => a.Status != 0).ToList();
        var latencies = got.Select(a => a.Milliseconds).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0
            ? 0
            : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p / 100 * latencies.Length) - 1)];
        var seconds = answers.Max(a => a.AtSeconds);
        return new Dictionary<string, object?>
        {
            ["attempts"] = answers.Count,
            ["answered"] = got.Count,
            ["unanswered"] = answers.Count - got.Count,
            ["seconds"] = Math.Round(seconds, 2),
            ["per_second"] = Math.Round(got.Count / seconds, 1),
            ["p50_ms"] = Math.Round(Percentile(50), 1),
            ["p90_ms"] = Math.Round(Percentile(90), 1),
            ["p99_ms"] = Math.Round(Percentile(99), 1),
            ["max_ms"] = Math.Round(latencies.LastOrDefault(), 1),
            ["status_201"] = answers.Count(a => a.Status == 201),
            ["status_200"] = answers.Count(a => a.Status == 200),
            ["status_409"] = answers.Count(a => a.Status == 409),
            ["status_5xx"] = answers.Count(a => a.Status >= 500),
            ["failed_over"] = answers.Count(a => a.Via != a.Attempt.Instance),
        };
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
    }
}
