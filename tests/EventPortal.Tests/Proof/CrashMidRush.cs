using System.Diagnostics;
using Xunit.Abstractions;

namespace EventPortal.Tests.Proof;

/// <summary>
/// <c>kill -9</c> of one of two instances in the middle of a flash crowd, while its outbox
/// dispatcher has mail in flight, then a restart on the same port.
/// </summary>
[Collection(ProofCollection.Name)]
public sealed class CrashMidRush(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_an_instance_mid_rush_and_restarting_it_loses_no_registration_seat_or_mail_and_doubles_none()
    {
        var count = ProofRun.Size("CRASH", 1500);
        var rate = ProofRun.Size("CRASH_RATE", 200);
        await using var cluster = await ProofCluster.StartAsync(2);
        var (waitlist, soldOut) = await cluster.CreateCrowdEventsAsync("crash", "クラッシュ試験説明会");
        using var crowd = new Crowd(cluster);
        await FlashCrowd.WarmUpAsync(cluster, crowd);

        // The rush comes in two parts, and the kill early in the second. Before it, the SMTP server is held:
        // sessions already past RCPT finish and are recorded (we wait until every stored message's row says sent), new
        // ones wait at RCPT. Killing then leaves the dead instance's claimed rows in flight with their SMTP sessions
        // open, and none of its messages between the server's "250" and our database update: the one window SMTP
        // cannot close (README, "Mail"). Waiting for that in the middle of one paced run left it to the machine's
        // speed whether the rush was still on at the kill.
        IReadOnlyList<Attempt> attempts = Crowd.Plan(
            "crash", count, [(waitlist, 0.6), (soldOut, 0.4)], instances: 2, seed: 9, repeatedPairs: 10);
        var concurrency = ProofRun.Size("CONCURRENCY", 64);
        var before = attempts.Count / 4;
        var clock = Stopwatch.StartNew();
        var first = await crowd.RunAsync(attempts.Take(before).ToList(), concurrency, perSecond: rate);
        cluster.Smtp.Hold();
        await Ledger.WaitUntilSettledAsync(cluster);
        var resumedAt = clock.Elapsed.TotalSeconds;

        double killedAt = 0, restartedAt = 0;
        List<long> inFlight = [];
        var deadInstance = $":{cluster.Instance(0).Pid}:";
        async Task CrashAsync()
        {
            await cluster.KillAsync(0);
            killedAt = clock.Elapsed.TotalSeconds;
            inFlight = await cluster.QueryAsync<long>(
                "SELECT id FROM outbox WHERE status = 'in_flight' AND claimed_by LIKE '%' || @dead || '%'", new { dead = deadInstance });
            cluster.Smtp.Release();
            await cluster.RestartAsync(0);
            restartedAt = clock.Elapsed.TotalSeconds;
        }

        var second = await crowd.RunAsync(
            attempts.Skip(before).ToList(), concurrency, perSecond: rate, events: [(attempts.Count / 20, CrashAsync)]);
        Answer[] rush = [.. first, .. second.Select(a => a with { AtSeconds = a.AtSeconds + resumedAt })];
        // The restarted instance takes registrations again (on a loaded machine the restart may end after the rush).
        var after = await crowd.RunAsync(
            Crowd.Plan("after", count / 10, [(waitlist, 0.6), (soldOut, 0.4)], instances: 1, seed: 11), concurrency: 16);
        Assert.True(after.All(a => a.Status != 0 && a.Via == 0), "the restarted instance did not answer");
        Answer[] answers = [.. rush, .. after];
        attempts = [.. attempts, .. after.Select(a => a.Attempt)];
        var drained = await Ledger.WaitForMailAsync(cluster, TimeSpan.FromSeconds(ProofRun.Size("MAIL_TIMEOUT", 240)));
        var ledger = await Ledger.ReadAsync(cluster);

        Ledger.AssertAnswers(answers, new HashSet<string> { soldOut });
        ledger.AssertAnswersStored(answers);
        ledger.AssertSeats(FlashCrowd.Demand(attempts));
        var mail = ledger.AssertMail();

        // The kill really landed mid-rush and mid-dispatch, and what the dead instance held was sent by the living.
        Assert.True(rush.Any(a => a.AtSeconds > killedAt + 0.5), "the rush was over before the kill");
        Assert.True(inFlight.Count > 0, "the killed instance had no mail in flight");
        var rows = ledger.Rows.ToDictionary(r => r.Id);
        foreach (var id in inFlight)
            Assert.True(rows[id].Status == "sent" && rows[id].ClaimedBy?.Contains(deadInstance, StringComparison.Ordinal) == false,
                $"row {id}, in flight on the killed instance, ended {rows[id].Status} by {rows[id].ClaimedBy}");
        var unanswered = answers.Where(a => a.Status == 0).Select(a => a.Attempt.Email).ToHashSet();

        ProofRun.Record(output, "crash", FlashCrowd.Merge(Crowd.Figures(rush), ledger.SeatFigures(attempts), mail, new()
        {
            ["instances"] = 2,
            ["killed_at_s"] = Math.Round(killedAt, 2),
            ["restarted_at_s"] = Math.Round(restartedAt, 2),
            ["in_flight_at_kill"] = inFlight.Count,
            ["unanswered_stored"] = ledger.Registrations.Count(r => unanswered.Contains(r.Email)),
            ["answered_by_restarted_in_rush"] = rush.Count(a => a.Via == 0 && a.AtSeconds > restartedAt && a.Status != 0),
            ["answered_by_restarted_after"] = after.Length,
            ["mail_drain_s"] = Math.Round(drained.TotalSeconds, 1),
            ["lost_registrations"] = 0,
        }));
    }
}
