using System.Diagnostics;
using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using System.Net.Sockets;
using System.Text;

namespace EventPortal.Tests.Infrastructure;

/// <summary>Tests of the test SMTP server fixture itself (tests/tools/smtp_server.py + mime_dump.py).</summary>
public class SmtpServerTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    const string Ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//EventPortal//Tests//EN\r\nMETHOD:REQUEST\r\n" +
        "BEGIN:VEVENT\r\nUID:smtp-test@example.test\r\nDTSTAMP:20250101T000000Z\r\n" +
        "DTSTART:20250102T090000Z\r\nDTEND:20250102T100000Z\r\nSUMMARY:勉強会\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    static MailMessage Invitation(string to = "guest@example.test", string subject = "勉強会のご案内")
    {
        var message = new MailMessage(new MailAddress("organiser@example.test", "山田 太郎"), new MailAddress(to, "ゲスト"))
        {
            Subject = subject,
            SubjectEncoding = Encoding.UTF8,
            Body = "ご参加ありがとうございます。",
            BodyEncoding = Encoding.UTF8,
        };
        var calendar = AlternateView.CreateAlternateViewFromString(Ics, new ContentType("text/calendar; method=REQUEST; charset=utf-8"));
        message.AlternateViews.Add(calendar);
        return message;
    }

    static async Task SendAsync(SmtpServer server, MailMessage message, NetworkCredential? credentials = null)
    {
        using var client = new SmtpClient("127.0.0.1", server.Port) { DeliveryMethod = SmtpDeliveryMethod.Network, Timeout = 10_000 };
        if (credentials is not null) client.Credentials = credentials;
        await client.SendMailAsync(message);
    }

    [Fact]
    public async Task Stores_what_System_Net_Mail_sent_and_decodes_it_independently()
    {
        await using var server = await SmtpServer.StartAsync();
        using (var message = Invitation())
        {
            message.Bcc.Add("hidden@example.test");
            await SendAsync(server, message);
        }

        var mail = Assert.Single(await server.WaitForAsync(1, Wait));
        Assert.Equal("勉強会のご案内", mail.Subject);
        Assert.Equal("山田 太郎", mail.FromName);
        Assert.Equal("organiser@example.test", mail.FromAddress);
        Assert.Equal("guest@example.test", mail.To);
        Assert.Equal(["guest@example.test", "hidden@example.test"], mail.RcptTos);
        Assert.Equal("organiser@example.test", mail.MailFrom);
        Assert.Null(mail.Header("Bcc"));
        Assert.Equal("multipart/alternative{text/plain,text/calendar}", mail.Structure);
        Assert.Equal("ご参加ありがとうございます。", mail.Text("text/plain"));
        Assert.Equal(Ics, mail.Text("text/calendar"));
        Assert.Equal(Ics, Encoding.UTF8.GetString(mail.Bytes("text/calendar")!));
        var calendar = mail.Part("text/calendar")!.Value;
        Assert.Equal("REQUEST", calendar.GetProperty("params").GetProperty("method").GetString());
        Assert.Empty(mail.Parsed.GetProperty("defects").EnumerateArray());

        // System.Net.Mail writes non-ASCII headers as RFC 2047 encoded words (UTF-8, base64).
        Assert.StartsWith("=?utf-8?B?", mail.RawHeader("subject"));
        // ... but display names as quoted-printable ones.
        Assert.StartsWith("=?utf-8?Q?", mail.RawHeader("From"));
        // System.Net.Mail adds Date but no Message-ID: the sender has to set one itself.
        Assert.Equal("", mail.MessageId);
        Assert.NotNull(mail.Header("Date"));
        Assert.Equal(mail.Subject, mail.Header("SUBJECT"));
        Assert.Contains("Subject", mail.HeaderNames);
        Assert.Equal("1.0", mail.Header("MIME-Version"));
        Assert.DoesNotContain("\n", Encoding.ASCII.GetString(mail.Raw).Replace("\r\n", ""));
    }

    [Fact]
    public async Task Keeps_the_exact_bytes_crlf_and_8bit()
    {
        await using var server = await SmtpServer.StartAsync();
        var body = Encoding.UTF8.GetBytes(
            "From: =?utf-8?B?5bGx55Sw?= <a@example.test>\r\nTo: b@example.test\r\nSubject: 8bit\r\n" +
            "Message-ID: <raw-1@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n\r\n.leading dot\r\nこんにちは\r\n\r\n");
        await RawSendAsync(server.Port, "a@example.test", ["b@example.test"], body);

        var mail = Assert.Single(await server.WaitForAsync(1, Wait));
        Assert.Equal(body, mail.Raw);
        Assert.Equal("山田", mail.FromName);
        Assert.Equal("<raw-1@example.test>", mail.MessageId);
        Assert.Equal("text/plain", mail.Structure);
        Assert.Equal(".leading dot\r\nこんにちは\r\n\r\n", mail.Text("text/plain"));
    }

    [Fact]
    public async Task Rejected_recipient_is_a_550_failed_recipient()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(Reject: "^nobody@"));
        using var message = Invitation(to: "nobody@example.test");
        var e = await Assert.ThrowsAsync<SmtpFailedRecipientException>(() => SendAsync(server, message));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, e.StatusCode);
        Assert.Equal("<nobody@example.test>", e.FailedRecipient);
        Assert.Empty(await server.MessagesAsync());
    }

    [Fact]
    public async Task Temporarily_failed_recipient_is_a_451()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(TempFail: "busy@"));
        using var message = Invitation(to: "busy@example.test");
        // System.Net.Mail maps only 450/452 (and 5xx mailbox codes) to SmtpFailedRecipientException;
        // a 451 on RCPT aborts the whole transaction as a plain SmtpException.
        var e = await Assert.ThrowsAsync<SmtpException>(() => SendAsync(server, message));
        Assert.Equal(SmtpStatusCode.LocalErrorInProcessing, e.StatusCode);
        Assert.Contains("4.3.0 Try again later", e.Message);
        Assert.Equal(451, (int)e.StatusCode);
        Assert.Empty(await server.MessagesAsync());
    }

    [Fact]
    public async Task One_bad_recipient_of_several_fails_the_whole_send_in_System_Net_Mail()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(Reject: "^nobody@"));
        using var message = Invitation();
        message.To.Add("nobody@example.test");
        var e = await Assert.ThrowsAsync<SmtpFailedRecipientException>(() => SendAsync(server, message));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, e.StatusCode);
        // The good recipient still got the message: SmtpClient sends DATA when any RCPT succeeded.
        var mail = Assert.Single(await server.WaitForAsync(1, Wait));
        Assert.Equal(["guest@example.test"], mail.RcptTos);
    }

    [Fact]
    public async Task Outage_refuses_connections_and_restart_keeps_what_was_stored()
    {
        await using var server = await SmtpServer.StartAsync();
        using (var first = Invitation(subject: "一通目")) await SendAsync(server, first);
        await server.WaitForAsync(1, Wait);

        await server.StopAsync();
        Assert.False(server.IsRunning);
        using (var during = Invitation(subject: "停止中"))
        {
            var e = await Assert.ThrowsAsync<SmtpException>(() => SendAsync(server, during));
            Assert.Equal(SmtpStatusCode.GeneralFailure, e.StatusCode);
            var socket = Assert.IsType<SocketException>(e.InnerException);
            Assert.Equal(SocketError.ConnectionRefused, socket.SocketErrorCode);
        }

        await server.RestartAsync();
        Assert.True(server.IsRunning);
        using (var second = Invitation(subject: "二通目")) await SendAsync(server, second);
        var mails = await server.WaitForAsync(2, Wait);
        Assert.Equal(["一通目", "二通目"], mails.Select(m => m.Subject));
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_startup_failure()
    {
        await using var first = await SmtpServer.StartAsync();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SmtpServer.StartAsync(port: first.Port));
        Assert.Contains("exited before it was ready", e.Message);
        Assert.Contains("address already in use", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(first.IsRunning);
    }

    [Fact]
    public async Task Auth_is_required_when_configured()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(Auth: "mailer:s3cret"));
        using (var anonymous = Invitation())
        {
            var e = await Assert.ThrowsAsync<SmtpException>(() => SendAsync(server, anonymous));
            Assert.Equal(530, (int)e.StatusCode); // aiosmtpd: "530 5.7.0 Authentication required"
        }
        using (var wrong = Invitation())
        {
            // SmtpClient swallows the 535 of a failed AUTH and carries on unauthenticated, so
            // wrong credentials surface as the server's 530 on MAIL FROM.
            var e = await Assert.ThrowsAsync<SmtpException>(() => SendAsync(server, wrong, new NetworkCredential("mailer", "nope")));
            Assert.Equal(530, (int)e.StatusCode);
        }
        using (var good = Invitation()) await SendAsync(server, good, new NetworkCredential("mailer", "s3cret"));
        Assert.Single(await server.WaitForAsync(1, Wait));
    }

    [Fact]
    public async Task Rcpt_delay_slows_each_recipient_and_timeout_reports_what_arrived()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: 300));
        var watch = Stopwatch.StartNew();
        using (var message = Invitation())
        {
            message.To.Add("second@example.test");
            await SendAsync(server, message);
        }
        Assert.True(watch.ElapsedMilliseconds >= 550, $"two RCPTs took only {watch.ElapsedMilliseconds} ms");

        var e = await Assert.ThrowsAsync<TimeoutException>(() => server.WaitForAsync(2, TimeSpan.FromMilliseconds(300)));
        Assert.Contains("but 1 arrived", e.Message);
        Assert.Contains("second@example.test", e.Message);
    }

    /// <summary>A minimal SMTP client that sends exactly the given bytes (dot-stuffed) after DATA.</summary>
    static async Task RawSendAsync(int port, string from, string[] to, byte[] message)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);

        async Task Expect(string code)
        {
            string? line;
            do line = await reader.ReadLineAsync();
            while (line is not null && line.Length > 3 && line[3] == '-');
            Assert.True(line?.StartsWith(code, StringComparison.Ordinal) == true, $"expected {code}, got {line}");
        }
        async Task Command(string command, string code)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            await Expect(code);
        }

        await Expect("220");
        await Command("EHLO test", "250");
        await Command($"MAIL FROM:<{from}> BODY=8BITMIME", "250");
        foreach (var rcpt in to) await Command($"RCPT TO:<{rcpt}>", "250");
        await Command("DATA", "354");
        var stuffed = new MemoryStream();
        var atLineStart = true;
        foreach (var b in message)
        {
            if (atLineStart && b == (byte)'.') stuffed.WriteByte((byte)'.');
            stuffed.WriteByte(b);
            atLineStart = b == (byte)'\n';
        }
        await stream.WriteAsync(stuffed.ToArray());
        await Command(".", "250");
        await Command("QUIT", "221");
    }
}
