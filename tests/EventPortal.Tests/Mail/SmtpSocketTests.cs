using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EventPortal.Web.Mail;
using MailKit.Net.Smtp;
using MimeKit;

namespace EventPortal.Tests.Mail;

/// <summary>
/// The SMTP transport's socket. With Nagle on (MailKit's own socket), the small last write of every
/// DATA waits for the relay's delayed ACK, ~40 ms a message; the transport makes its own socket with
/// NoDelay. Measured against MailKit's default in the same run, over one kept connection each, into
/// a loopback sink that acknowledges like any TCP stack: no absolute times, only the ratio. It runs
/// with the proof scenarios, alone, so that other tests' load does not blur a 40 ms difference.
/// </summary>
[Collection(Proof.ProofCollection.Name)]
public sealed class SmtpSocketTests
{
    const int Rounds = 4, PerRound = 10;

    [Fact]
    public async Task One_kept_connection_does_not_wait_for_delayed_ACKs()
    {
        await using var sink = LoopbackSink.Start();
        var settings = new MailOptions.SmtpSettings { Host = "127.0.0.1", Port = sink.Port, MessagesPerConnection = 1000 };
        using var transport = new SmtpTransport(settings);
        using var mailkitDefault = new SmtpClient();
        await mailkitDefault.ConnectAsync("127.0.0.1", sink.Port, MailKit.Security.SecureSocketOptions.None);
        await transport.SendAsync(Message(0), CancellationToken.None); // connect and warm up outside the clock
        await mailkitDefault.SendAsync(Message(0));

        // Interleaved rounds, so a burst of load from elsewhere on the machine hits both alike.
        var (ours, baseline) = (new Stopwatch(), new Stopwatch());
        for (var round = 0; round < Rounds; round++)
        {
            ours.Start();
            for (var i = 1; i <= PerRound; i++) await transport.SendAsync(Message(i), CancellationToken.None);
            ours.Stop();
            baseline.Start();
            for (var i = 1; i <= PerRound; i++) await mailkitDefault.SendAsync(Message(i));
            baseline.Stop();
        }
        await mailkitDefault.DisconnectAsync(true);

        Assert.True(Assert.Single(transport.IdleSockets).NoDelay);
        Assert.Equal(2, sink.Connections);
        Assert.Equal(2 * (Rounds * PerRound + 1), sink.Received);
        // Nagle costs ~40 ms a message; without it a message takes a few ms here. Half is far from either.
        Assert.True(ours.Elapsed * 2 < baseline.Elapsed,
            $"{Rounds * PerRound} messages took {ours.ElapsedMilliseconds} ms over the transport's socket and " +
            $"{baseline.ElapsedMilliseconds} ms over MailKit's own (Nagle on): the delayed-ACK stall is back");
    }

    /// <summary>About the size of a confirmation (46 kB), composed afresh each time like the app does.</summary>
    internal static MimeMessage Message(int i)
    {
        var message = new MimeMessage { Subject = $"確認 {i}" };
        message.From.Add(new MailboxAddress("事務局", "office@example.jp"));
        message.To.Add(new MailboxAddress("", $"person{i}@example.jp"));
        var text = string.Concat(Enumerable.Repeat("ご登録ありがとうございます。当日は開始5分前から入室できます。\n", 500));
        message.Body = new TextPart("plain") { Text = text, ContentTransferEncoding = ContentEncoding.Base64 };
        return message;
    }

    /// <summary>A minimal SMTP sink (PIPELINING, 8BITMIME): answers every command, counts messages, stores nothing.</summary>
    sealed class LoopbackSink : IAsyncDisposable
    {
        readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        readonly CancellationTokenSource _stop = new();
        readonly List<Task> _sessions = [];
        Task _accepting = Task.CompletedTask;
        int _connections, _received;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Connections => Volatile.Read(ref _connections);
        public int Received => Volatile.Read(ref _received);

        public static LoopbackSink Start()
        {
            var sink = new LoopbackSink();
            sink._listener.Start();
            sink._accepting = sink.AcceptAsync();
            return sink;
        }

        async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    // Like aiosmtpd (asyncio) and postfix, which flush pipelined replies at once: the wait measured is the client's.
                    client.NoDelay = true;
                    Interlocked.Increment(ref _connections);
                    lock (_sessions) _sessions.Add(SessionAsync(client));
                }
            }
            catch (OperationCanceledException) { }
        }

        async Task SessionAsync(TcpClient client)
        {
            using var _ = client;
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.Latin1);
            async Task Say(string reply) => await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), _stop.Token);
            try
            {
                await Say("220 sink ESMTP");
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                    if (verb is "EHLO") await Say("250-sink\r\n250-PIPELINING\r\n250 8BITMIME");
                    else if (verb is "DATA")
                    {
                        await Say("354 go on");
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".") { }
                        Interlocked.Increment(ref _received);
                        await Say("250 2.0.0 queued");
                    }
                    else if (verb is "QUIT") { await Say("221 bye"); return; }
                    else await Say("250 OK");
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException) { }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            Task[] sessions;
            lock (_sessions) sessions = [.. _sessions];
            await Task.WhenAll(sessions);
        }
    }
}
