using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Mail;

/// <summary>Killing the app (and its dispatcher) mid-batch and starting it again loses and repeats nothing.</summary>
public sealed class MailCrash
{
    [Fact]
    public async Task Killing_the_dispatcher_mid_batch_and_restarting_delivers_every_mail_exactly_once()
    {
        // One message at a time, each waiting 700 ms at RCPT: the kill below lands in the middle
        // of a hand-over, before that message's data is accepted — the moment a crash must turn
        // into neither loss nor a repeat. (A kill in the few milliseconds between the server's
        // "250 OK" and our database update would repeat that one message: SMTP offers no way to
        // ask whether it arrived. README, "Mail", says so.)
        await using var smtp = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: 700));
        var data = Directory.CreateTempSubdirectory("eventportal-crash-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["EventPortal:DataDirectory"] = data,
            ["EventPortal:SeedDemo"] = "true",
            ["EventPortal:PublicBaseUrl"] = "https://portal.example.jp",
            ["EventPortal:Mail:Transport"] = "Smtp",
            ["EventPortal:Mail:Smtp:Host"] = "127.0.0.1",
            ["EventPortal:Mail:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EventPortal:Outbox:MaxParallel"] = "1",
            ["EventPortal:Outbox:PollSeconds"] = "0.2",
            ["EventPortal:Outbox:InFlightTimeoutSeconds"] = "5",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        try
        {
            var emails = Enumerable.Range(0, 16).Select(i => $"crash{i:00}@example.jp").ToList();
            await using (var first = await AppProcess.StartAsync(settings))
            {
                using var client = new HttpClient { BaseAddress = first.BaseAddress };
                var slug = (await client.GetFromJsonAsync<JsonElement>("/api/events"))[0].GetProperty("slug").GetString()!;
                foreach (var email in emails) await client.RegisteredAsync(slug, email, "recording");
                await smtp.WaitForAsync(5, TimeSpan.FromSeconds(60));
                await Task.Delay(300); // well inside the next message's RCPT wait
                await first.KillAsync();
            }
            var beforeRestart = (await smtp.MessagesAsync()).Count;
            Assert.InRange(beforeRestart, 5, 15); // the kill really was mid-batch

            await using (await AppProcess.StartAsync(settings))
            {
                await smtp.WaitForAsync(16, TimeSpan.FromSeconds(90));
                await Task.Delay(3000); // a repeat would arrive now
            }

            var delivered = (await smtp.MessagesAsync()).SelectMany(m => m.RcptTos).ToList();
            Assert.Equal(emails.Order(), delivered.Order());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
