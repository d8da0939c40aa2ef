using Xunit.Abstractions;
namespace EventPortal.Tests.Proof;

/// <summary>
/// Two app instances (separate processes, started at the same moment on an empty PostgreSQL
/// database) take a flash crowd of registrations for two 100-seat events, one with a waitlist
/// and one without, mailing through a real SMTP server.
/// </summary>
[Collection(ProofCollection.Name)]
public sealed class FlashCrowd(ITestOutputHelper output)
{
    /// <summary>Two instances; bench/proof.sh also measures one, for the comparison.</summary>
    public static TheoryData<int> Instances() => ProofRun.FullSize ? new() { 1, 2 } : new() { 2 };

    [Theory]
    [MemberData(nameof(Instances))]
    public async Task A_flash_crowd_across_instances_confirms_exactly_the_seats_and_mails_everyone_once(int instances)
    {
        var count = ProofRun.Size("CROWD", 1600);
        await using var cluster = await ProofCluster.StartAsync(instances);
        await AssertStartedOnceAsync(cluster);
        var (waitlist, soldOut) = await cluster.CreateCrowdEventsAsync("crowd", "フラッシュクラウド説明会");
        using var crowd = new Crowd(cluster);
        await WarmUpAsync(cluster, crowd);

        var attempts = Crowd.Plan("fc", count, [(waitlist, 0.6), (soldOut, 0.4)], instances, seed: 8, repeatedPairs: 25);
        var answers = await crowd.RunAsync(attempts, ProofRun.Size("CONCURRENCY", 64));
        var drained = await Ledger.WaitForMailAsync(cluster, TimeSpan.FromSeconds(ProofRun.Size("MAIL_TIMEOUT", 240)));
        var ledger = await Ledger.ReadAsync(cluster);

        Ledger.AssertAnswers(answers, new HashSet<string> { soldOut });
        Assert.True(answers.All(a => a.Status != 0), $"{answers.Count(a => a.Status == 0)} requests got no answer");
        ledger.AssertAnswersStored(answers);
        ledger.AssertSeats(Demand(attempts));
        foreach (var pair in answers.Where(a => a.Attempt.Email.Contains("-twice-", StringComparison.Ordinal))
                     .GroupBy(a => a.Attempt.Email))
            Assert.True(pair.Select(a => a.Status).Order().SequenceEqual([200, 201]),
                $"{pair.Key}: {string.Join(", ", pair.Select(a => a.Status))}");
        Assert.Equal(100, ledger.Tickets.Single(t => t.Slug == waitlist && t.Code == "live").Confirmed);
        Assert.Equal(100, ledger.Tickets.Single(t => t.Slug == soldOut && t.Code == "live").Confirmed);
        Assert.Equal(answers.Count(a => a.Attempt.Slug == soldOut) - 100, answers.Count(a => a.Status == 409));
        var mail = ledger.AssertMail();

        ProofRun.Record(output, "flash-crowd", Merge(Crowd.Figures(answers), ledger.SeatFigures(attempts), mail, new()
        {
            ["instances"] = instances,
            ["mail_drain_s"] = Math.Round(drained.TotalSeconds, 1),
            ["lost_registrations"] = 0,
        }));
    }

    /// <summary>
    /// Both instances ran the migrations, seeding and bootstrap against the same empty database at once: each happened once.
    /// </summary>
    internal static async Task AssertStartedOnceAsync(ProofCluster cluster)
    {
        Assert.Equal(1, await cluster.QueryOneAsync<int>("SELECT COUNT(*)::int FROM events"));          // the demo event, seeded once
        Assert.Equal(1, await cluster.QueryOneAsync<int>("SELECT COUNT(*)::int FROM admins"));
        Assert.Equal(1, await cluster.QueryOneAsync<int>("SELECT COUNT(*)::int FROM api_tokens"));
        Assert.Equal(0, await cluster.QueryOneAsync<int>("SELECT (COUNT(*) - COUNT(DISTINCT version))::int FROM schema_migrations"));
    }

    /// <summary>A few registrations per instance for an unlimited ticket, so that JIT compilation is not what the crowd measures.</summary>
    internal static async Task WarmUpAsync(ProofCluster cluster, Crowd crowd)
    {
        var slug = await cluster.CreateEventAsync("warm-up", "ウォームアップ", liveSeats: 100, waitlist: true);
        var perInstance = ProofRun.Size("WARMUP", 40);
        var warm = Enumerable.Range(0, perInstance * cluster.Count)
            .Select(i => new Attempt(i, slug, $"warm-{i:0000}@crowd.example.jp", "recording", i % cluster.Count)).ToList();
        var answers = await crowd.RunAsync(warm, concurrency: 16);
        Assert.True(answers.All(a => a.Status == 201), $"warm-up: {string.Join(", ", answers.Where(a => a.Status != 201).Take(3))}");
    }

    internal static Dictionary<string, int> Demand(IEnumerable<Attempt> attempts) =>
        attempts.GroupBy(a => a.Slug).ToDictionary(g => g.Key, g => g.Select(a => a.Email).Distinct().Count());

    internal static Dictionary<string, object?> Merge(params Dictionary<string, object?>[] parts)
    {
        var all = new Dictionary<string, object?>();
        foreach (var part in parts) foreach (var (k, v) in part) all[k] = v;
        return all;
    }
}
