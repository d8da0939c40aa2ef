using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Registrations;

namespace EventPortal.Tests.Admin;

public abstract partial class RegistrationConsole
{
    [Fact]
    public async Task Deleting_personal_data_removes_it_from_the_database_and_the_export_but_keeps_the_counts()
    {
        await using var app = await StartAsync();
        var slug = await app.CreateEventAsync(liveSeats: 1);
        using var registrant = app.Client();
        var personalPage = await registrant.RegisteredAsync(slug, "forget-me@example.jp");
        var forget = await app.QueryOneAsync<long>("SELECT id FROM registrations WHERE email_normalized = 'forget-me@example.jp'");
        await app.ExecuteAsync(
            "UPDATE registrations SET family_name = '忘却', given_name = '希望', reading = 'ボウキャク', " +
            "organization = '秘密の会社', accessibility = '車椅子', questions = '個人的な質問', answers = '{\"q\":\"秘密\"}' " +
            "WHERE id = @forget",
            new { forget });
        var waiting = await app.RegisterPersonAsync(slug, "waiting@example.jp");
        using var browser = await app.SignedInAsync();
        var detail = $"/admin/events/{slug}/registrations/{forget}";

        Assert.Contains($"action=\"{detail}/erase\"", await browser.GetStringAsync(detail + "/erase"));
        var done = await browser.SubmitAsync(detail + "/erase", detail + "/erase", new Dictionary<string, string>());

        Assert.Equal(detail + "?done=erased", done.Headers.Location!.OriginalString);
        var row = await app.QueryOneAsync<string>(
            "SELECT family_name || '|' || given_name || '|' || reading || '|' || email || '|' || email_normalized || '|' || " +
            "organization || '|' || accessibility || '|' || questions || '|' || answers FROM registrations WHERE id = @forget",
            new { forget });
        Assert.Equal($"(deleted)|||deleted-{forget}@deleted.invalid|deleted-{forget}@deleted.invalid||||{{}}", row);
        Assert.Equal(0, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM registrations WHERE email LIKE '%forget-me%' OR family_name = '忘却' OR organization = '秘密の会社'"));
        // Counts stay right: the row is still there, cancelled, and its seat went to the waitlist.
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM registrations"));
        Assert.Equal("cancelled", await app.StatusAsync(forget));
        Assert.Equal("confirmed", await app.StatusAsync(waiting));
        Assert.Equal(1, await app.LiveSeatsTakenAsync());
        // The personal link no longer opens anything, and no mail goes to the placeholder.
        Assert.Equal(HttpStatusCode.NotFound, (await registrant.GetAsync(personalPage)).StatusCode);
        // Nor does a link made from the seed every erased registration shares.
        var erasedSeedLink = "/r/" + app.Tokens.Manage(forget, Erasure.ErasedSeed);
        Assert.Equal(HttpStatusCode.NotFound, (await registrant.GetAsync(erasedSeedLink)).StatusCode);
        Assert.Equal(0, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM outbox WHERE registration_id = @forget AND status IN ('queued', 'retry')", new { forget }));
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM outbox WHERE dedupe_key = @k", new { k = $"cancel:{forget}" }));

        var csv = await browser.GetStringAsync($"/admin/events/{slug}/registrations.csv");
        Assert.DoesNotContain("forget-me", csv);
        Assert.DoesNotContain("忘却", csv);
        Assert.DoesNotContain("秘密", csv);
        var audit = await app.QueryOneAsync<(string Target, string Detail)>(
            "SELECT target, detail FROM audit_log WHERE action = 'registration.erase'");
        Assert.Equal($"registration:{forget}", audit.Target);
        Assert.DoesNotContain("forget", audit.Detail);
        Assert.Contains("(個人情報削除済み)", await browser.GetStringAsync($"/admin/events/{slug}/registrations"));
    }
}
