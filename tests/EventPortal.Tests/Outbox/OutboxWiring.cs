using System.Net;
using System.Net.Http.Json;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventPortal.Tests.Outbox;

/// <summary>
/// How the outbox is put together: the commit that queued work wakes the dispatcher (no caller
/// does), its settings live under EventPortal:Outbox (the old EventPortal:Mail keys still work,
/// and say so), and each kind of row has exactly one handler.
/// </summary>
public sealed class OutboxWiring
{
    /// <summary>Longest a test waits for a mail: far below the poll, so only a wake explains an arrival.</summary>
    static readonly TimeSpan Prompt = TimeSpan.FromSeconds(15);

    static Dictionary<string, string?> PollingOncePerMinute(int smtpPort)
    {
        var settings = Organisers.Bootstrap(OutboxBehaviour.MailSettings(smtpPort));
        settings["EventPortal:Outbox:PollSeconds"] = "60";
        return settings;
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task The_commit_that_queued_a_mail_wakes_the_dispatcher_long_before_its_poll(string engine)
    {
        await using var smtp = await SmtpServer.StartAsync();
        var settings = PollingOncePerMinute(smtp.Port);
        await using var app = engine == "Sqlite"
            ? await PortalApp.StartSqliteAsync(settings: settings)
            : await PortalApp.StartPostgresAsync(settings: settings);
        var slug = await app.CreateEventAsync();
        using var browser = app.Browser();

        // The first may have met the dispatcher's first look at start-up; after it, the
        // dispatcher sleeps for a minute unless a commit wakes it.
        var manage = await browser.RegisteredAsync(slug, "first@example.jp");
        await smtp.WaitForAsync(1, Prompt);
        await browser.RegisteredAsync(slug, "second@example.jp");
        await smtp.WaitForAsync(2, Prompt);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(manage)).StatusCode);
        await smtp.WaitForAsync(3, Prompt);
    }

    [Fact]
    public async Task A_mail_to_a_whole_audience_wakes_the_dispatcher_too()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var app = await PortalApp.StartSqliteAsync(settings: PollingOncePerMinute(smtp.Port));
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "recording@example.jp", "recording");
        await smtp.WaitForAsync(1, Prompt);

        using var api = app.Api();
        var set = await api.PutAsJsonAsync(
            $"/api/admin/events/{slug}/recording", new { url = "https://video.example/r", audience = "recording" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        await smtp.WaitForAsync(2, Prompt);
    }

    [Fact]
    public async Task The_old_mail_keys_still_work_and_the_log_says_where_they_moved()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var logs = new CapturedLogs();
        var settings = OutboxBehaviour.MailSettings(smtp.Port);
        settings["EventPortal:Mail:DispatcherEnabled"] = "false";
        settings["EventPortal:Mail:MaxAttempts"] = "3";      // both set: the new key wins
        settings["EventPortal:Outbox:MaxAttempts"] = "7";
        await using var app = await PortalApp.StartSqliteAsync(settings: settings, services: s => s.AddSingleton<ILoggerProvider>(logs));

        var options = app.Services.GetRequiredService<IOptions<OutboxOptions>>().Value;
        Assert.False(options.DispatcherEnabled);
        Assert.Equal(7, options.MaxAttempts);
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        await client.RegisteredAsync(slug, "page-only@example.jp");
        await Task.Delay(1500);
        Assert.Empty(await smtp.MessagesAsync());
        Assert.Equal(OutboxStatus.Queued, await app.QueryOneAsync<string>(
            "SELECT status FROM outbox WHERE kind = @kind", new { kind = OutboxRows.Kinds.Confirmed }));

        var moved = logs.Text.Split('\n')
            .Where(l => l.Contains("EventPortal:Mail:DispatcherEnabled has moved to EventPortal:Outbox:DispatcherEnabled"))
            .ToList();
        Assert.Single(moved);
        Assert.Contains("EventPortal:Mail:MaxAttempts is ignored: the setting moved to EventPortal:Outbox:MaxAttempts", logs.Text);
    }

    [Fact]
    public async Task Two_handlers_for_one_kind_stop_the_app_naming_both()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            PortalApp.StartSqliteAsync(services: s => s.AddSingleton<IOutboxHandler, SecondReminderHandler>()));
        Assert.Contains(nameof(SecondReminderHandler), error.Message);
        Assert.Contains("MailHandler", error.Message);
    }

    sealed class SecondReminderHandler : IOutboxHandler
    {
        public string KindPrefix => OutboxRows.Kinds.Reminder;
        public Task<OutboxResult> HandleAsync(OutboxRow row, CancellationToken ct) => Task.FromResult(OutboxResult.Done);
    }
}
