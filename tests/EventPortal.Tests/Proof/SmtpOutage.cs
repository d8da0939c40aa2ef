using System.Diagnostics;
using Xunit.Abstractions;

namespace EventPortal.Tests.Proof;

/// <summary>
/// The SMTP server goes away while registrations come in on both instances, and comes back:
/// registering never waits for mail, nothing is lost, nothing doubled.
/// </summary>
[Collection(ProofCollection.Name)]
public sealed class SmtpOutage(ITestOutputHelper output)
{
    [Fact]
    public async Task An_SMTP_outage_across_both_instances_loses_no_mail_and_doubles_none_when_the_server_returns()
    {
        var count = ProofRun.Size("OUTAGE", 1000);
        var rate = ProofRun.Size("OUTAGE_RATE", 200);
        var outage = TimeSpan.FromSeconds(ProofRun.Size("OUTAGE_SECONDS", 3));
        await using var cluster = await ProofCluster.StartAsync(2);
        var (waitlist, soldOut) = await cluster.CreateCrowdEventsAsync("outage", "障害試験説明会");
        using var crowd = new Crowd(cluster);
        await FlashCrowd.WarmUpAsync(cluster, crowd);

        var clock = Stopwatch.StartNew();
        double downAt = 0, upAt = 0;
        async Task OutageAsync()
        {
            // Held first, so the kill lands on no half-accepted message (see CrashMidRush), then down.
            cluster.Smtp.Hold();
            await Ledger.WaitUntilSettledAsync(cluster);
            await cluster.Smtp.StopAsync();
            downAt = clock.Elapsed.TotalSeconds;
            cluster.Smtp.Release();
            await Task.Delay(outage);
            await cluster.Smtp.RestartAsync();
            upAt = clock.Elapsed.TotalSeconds;
        }

        var attempts = Crowd.Plan("outage", count, [(waitlist, 0.6), (soldOut, 0.4)], instances: 2, seed: 10);
        clock.Restart();
        var answers = await crowd.RunAsync(
            attempts, ProofRun.Size("CONCURRENCY", 64), perSecond: rate, events: [(attempts.Count / 5, OutageAsync)]);
        var drained = await Ledger.WaitForMailAsync(cluster, TimeSpan.FromSeconds(ProofRun.Size("MAIL_TIMEOUT", 240)));
        var ledger = await Ledger.ReadAsync(cluster);

        Ledger.AssertAnswers(answers, new HashSet<string> { soldOut });
        Assert.True(answers.All(a => a.Status != 0), $"{answers.Count(a => a.Status == 0)} requests got no answer");
        ledger.AssertAnswersStored(answers);
        ledger.AssertSeats(FlashCrowd.Demand(attempts));
        var mail = ledger.AssertMail();

        // Registrations went on during the outage, and sends really failed and were retried.
        var during = answers.Where(a => a.AtSeconds > downAt && a.AtSeconds < upAt).ToList();
        Assert.True(during.Count > 0, "no registration was answered while the SMTP server was down");
        Assert.True((int)mail["mails_retried"]! > 0, "no send failed during the outage");
        Assert.Equal(0, ledger.Rows.Count(r => r.Status == "failed"));

        ProofRun.Record(output, "smtp-outage", FlashCrowd.Merge(Crowd.Figures(answers), ledger.SeatFigures(attempts), mail, new()
        {
            ["instances"] = 2,
            ["smtp_down_at_s"] = Math.Round(downAt, 2),
            ["smtp_up_at_s"] = Math.Round(upAt, 2),
            ["answered_during_outage"] = during.Count,
            ["p99_ms_during_outage"] = Math.Round(
                during.Select(a => a.Milliseconds).Order().ElementAtOrDefault((int)Math.Ceiling(during.Count * 0.99) - 1), 1),
            ["mail_drain_s"] = Math.Round(drained.TotalSeconds, 1),
            ["lost_registrations"] = 0,
        }));
    }
}
