using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Tests.Mail;

namespace EventPortal.Tests.Admin;

/// <summary>
/// What registrants receive when the organiser moves or cancels an event in the console,
/// through a real SMTP server, with the calendar parts read by two independent parsers.
/// </summary>
public sealed class EventChangeMailTests : IAsyncLifetime
{
    const string UpdatePrefix = "【開催内容変更のお知らせ】";
    const string CancelPrefix = "【キャンセル完了】";
    static readonly DateTime Noon = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc); // 12:00 in Tokyo

    SmtpServer _smtp = null!;
    PortalApp _app = null!;
    HttpClient _browser = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpServer.StartAsync();
        _app = await MailDelivery.StartAppAsync(_smtp.Port, Organisers.Bootstrap());
        _browser = await _app.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    async Task<IReadOnlyList<ReceivedMail>> MailTo(string address, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await _smtp.MessagesAsync()).Count(m => m.RcptTos.Contains(address)) < expected && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        return (await _smtp.MessagesAsync()).Where(m => m.RcptTos.Contains(address)).ToList();
    }

    async Task<IReadOnlyList<ReceivedMail>> MailTo(string address, Func<ReceivedMail, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _smtp.MessagesAsync()).Any(m => m.RcptTos.Contains(address) && until(m)) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        return (await _smtp.MessagesAsync()).Where(m => m.RcptTos.Contains(address)).ToList();
    }

    static bool IsCancellation(ReceivedMail m) => m.Subject.StartsWith(CancelPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Waits until nothing due is left to send (reminders wait for their day), then a little longer,
    /// so that a mail too many would have arrived.
    /// </summary>
    async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await _app.QueryOneAsync<int>(
                    "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'in_flight', 'retry') AND due_at <= @now",
                    new { now = DateTime.UtcNow }) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        await Task.Delay(1000);
    }

    static async Task<(string Uid, int Sequence, string StartUtc, string? Method, string? Status)> CalendarOf(ReceivedMail mail)
    {
        var parsed = await CalendarCheck.ParseAsync(mail.Bytes("text/calendar")!);
        foreach (var p in parsed.Skip(1))
        {
            Assert.Equal(parsed[0].Str("uid"), p.Str("uid"));
            Assert.Equal(parsed[0].Event.GetProperty("sequence").GetInt32(), p.Event.GetProperty("sequence").GetInt32());
        }
        var first = parsed[0];
        return (first.Str("uid")!, first.Event.GetProperty("sequence").GetInt32(), first.Str("startUtc")!, first.Method,
            first.Str("status"));
    }

    [Fact]
    public async Task Rescheduling_in_the_console_sends_each_active_registrant_one_update_with_the_same_UID_and_SEQUENCE_plus_one()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 2, startsAt: Noon);
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "move-a@example.jp");
        await client.RegisteredAsync(slug, "move-b@example.jp");
        await client.RegisteredAsync(slug, "move-wait@example.jp");            // waitlisted
        await client.RegisteredAsync(slug, "move-rec@example.jp", "recording");
        var gone = await client.RegisteredAsync(slug, "move-gone@example.jp", "recording");
        using (var visitor = _app.Browser()) await visitor.CancelAsync(gone);

        var seated = new[] { "move-a@example.jp", "move-b@example.jp", "move-rec@example.jp" };
        var before = new Dictionary<string, (string Uid, int Sequence)>();
        foreach (var address in seated)
        {
            var confirmation = Assert.Single(await MailTo(address, 1));
            var (uid, sequence, start, method, _) = await CalendarOf(confirmation);
            Assert.Equal(("REQUEST", "2030-03-06T03:00:00.000Z"), (method, start));
            before[address] = (uid, sequence);
        }
        Assert.Single(await MailTo("move-wait@example.jp", 1));
        // Their confirmation may have been skipped (cancelled before the dispatcher got to it); the cancellation came either way.
        Assert.Single(await MailTo("move-gone@example.jp", IsCancellation), IsCancellation);
        await SettleAsync();
        var goneBefore = (await _smtp.MessagesAsync()).Count(m => m.RcptTos.Contains("move-gone@example.jp"));

        var saved = await ConsoleForms.EditAsync(_browser, slug, f => { f["Form.StartTime"] = "14:00"; f["Form.EndTime"] = "15:00"; });
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);

        foreach (var address in seated)
        {
            var mails = await MailTo(address, 2);
            var update = Assert.Single(mails, m => m.Subject.StartsWith(UpdatePrefix, StringComparison.Ordinal));
            Assert.Equal(2, mails.Count);
            var (uid, sequence, start, method, _) = await CalendarOf(update);
            Assert.Equal(before[address].Uid, uid);
            Assert.Equal(before[address].Sequence + 1, sequence);
            Assert.Equal("2030-03-06T05:00:00.000Z", start);
            Assert.Equal("REQUEST", method);
            Assert.Contains("14:00", update.Text("text/plain")!);
        }
        var waiting = await MailTo("move-wait@example.jp", 2);
        Assert.Single(waiting, m => m.Subject.StartsWith(UpdatePrefix, StringComparison.Ordinal));
        Assert.Null(waiting.Single(m => m.Subject.StartsWith(UpdatePrefix, StringComparison.Ordinal)).Part("text/calendar"));
        await SettleAsync();
        Assert.Equal(2, (await MailTo("move-a@example.jp", 2)).Count);
        Assert.Equal(2, (await MailTo("move-wait@example.jp", 2)).Count);
        Assert.Equal(goneBefore, (await MailTo("move-gone@example.jp", IsCancellation)).Count); // cancelled before: not told
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT sequence FROM events WHERE slug = @slug", new { slug }));
    }

    [Fact]
    public async Task Cancelling_the_event_sends_each_active_registrant_one_cancellation_with_METHOD_CANCEL()
    {
        var slug = await _app.CreateEventAsync(liveSeats: 1, startsAt: Noon);
        using var client = _app.Client();
        await client.RegisteredAsync(slug, "off-a@example.jp");
        await client.RegisteredAsync(slug, "off-wait@example.jp");
        var gone = await client.RegisteredAsync(slug, "off-gone@example.jp", "recording");
        using (var visitor = _app.Browser()) await visitor.CancelAsync(gone);
        var confirmation = Assert.Single(await MailTo("off-a@example.jp", 1));
        var (uid, sequence, _, _, _) = await CalendarOf(confirmation);
        Assert.Single(await MailTo("off-wait@example.jp", 1));
        Assert.Single(await MailTo("off-gone@example.jp", IsCancellation), IsCancellation);
        await SettleAsync();
        var goneBefore = (await _smtp.MessagesAsync()).Count(m => m.RcptTos.Contains("off-gone@example.jp"));

        var ask = await _browser.GetStringAsync($"/admin/events/{slug}/cancel");
        Assert.Contains("このイベントを中止しますか", ask);
        Assert.Equal("published", await _app.QueryOneAsync<string>("SELECT status FROM events WHERE slug = @slug", new { slug }));
        var done = await _browser.SubmitAsync(
            $"/admin/events/{slug}/cancel", $"/admin/events/{slug}/cancel", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);

        var mails = await MailTo("off-a@example.jp", 2);
        var cancellation = Assert.Single(mails, m => m.Subject.StartsWith(CancelPrefix, StringComparison.Ordinal));
        Assert.Equal(
            "CANCEL",
            cancellation.Part("text/calendar")!.Value.GetProperty("params").GetProperty("method").GetString(),
            ignoreCase: true);
        var cancelled = await CalendarOf(cancellation);
        Assert.Equal(("CANCEL", "CANCELLED", uid), (cancelled.Method, cancelled.Status, cancelled.Uid));
        Assert.True(cancelled.Sequence > sequence, $"SEQUENCE {cancelled.Sequence} must outrank {sequence}");
        var waiting = await MailTo("off-wait@example.jp", 2);
        Assert.Single(waiting, m => m.Subject.StartsWith(CancelPrefix, StringComparison.Ordinal));

        await SettleAsync();
        Assert.Equal(2, (await MailTo("off-a@example.jp", 2)).Count);
        Assert.Equal(2, (await MailTo("off-wait@example.jp", 2)).Count);
        Assert.Equal(goneBefore, (await MailTo("off-gone@example.jp", IsCancellation)).Count);
        Assert.Single(await MailTo("off-gone@example.jp", IsCancellation), IsCancellation);
        Assert.Equal("cancelled", await _app.QueryOneAsync<string>("SELECT status FROM events WHERE slug = @slug", new { slug }));
        using var reader = _app.Client();
        Assert.Contains("中止", await reader.GetStringAsync($"/events/{slug}"));
        Assert.Equal(1, await _app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'event.cancel' AND target = @slug", new { slug }));
    }
}
