using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MimeKit;

namespace EventPortal.Tests.Infrastructure;

/// <summary>Tests of the test SMTP server fixture itself (tests/tools/smtp_server.py + mime_dump.py).</summary>
public class SmtpServerTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    const string Ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//EventPortal//Tests//EN\r\nMETHOD:REQUEST\r\n" +
        "BEGIN:VEVENT\r\nUID:smtp-test@example.test\r\nDTSTAMP:20250101T000000Z\r\n" +
        "DTSTART:20250102T090000Z\r\nDTEND:20250102T100000Z\r\nSUMMARY:勉強会\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    static MimeMessage Invitation(string to = "guest@example.test", string subject = "勉強会のご案内")
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add(new MailboxAddress("山田 太郎", "organiser@example.test"));
        message.To.Add(new MailboxAddress("ゲスト", to));
        var calendar = new TextPart("calendar") { Text = Ics };
        calendar.ContentType.Parameters.Add("method", "REQUEST");
        message.Body = new MultipartAlternative { new TextPart("plain") { Text = "ご参加ありがとうございます。" }, calendar };
        return message;
    }

    static async Task SendAsync(SmtpServer server, MimeMessage message, NetworkCredential? credentials = null)
    {
        using var client = new SmtpClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", server.Port, MailKit.Security.SecureSocketOptions.None);
        if (credentials is not null) await client.AuthenticateAsync(credentials);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Stores_what_MailKit_sent_and_decodes_it_independently()
    {
        await using var server = await SmtpServer.StartAsync();
        var message = Invitation();
        message.Bcc.Add(new MailboxAddress("", "hidden@example.test"));
        await SendAsync(server, message);

        var mail = Assert.Single(await server.WaitForAsync(1, Wait));
        Assert.Equal("勉強会のご案内", mail.Subject);
        Assert.Equal("山田 太郎", mail.FromName);
        Assert.Equal("organiser@example.test", mail.FromAddress);
        Assert.Equal("guest@example.test", mail.To);
        Assert.Equal(["guest@example.test", "hidden@example.test"], mail.RcptTos);
        Assert.Equal("organiser@example.test", mail.MailFrom);
        Assert.Null(mail.Tls); // the session stayed in clear text
        Assert.Null(mail.Header("Bcc"));
        Assert.Equal("multipart/alternative{text/plain,text/calendar}", mail.Structure);
        Assert.Equal("ご参加ありがとうございます。", mail.Text("text/plain"));
        Assert.Equal(Ics, mail.Text("text/calendar"));
        Assert.Equal(Ics, Encoding.UTF8.GetString(mail.Bytes("text/calendar")!));
        var calendar = mail.Part("text/calendar")!.Value;
        Assert.Equal("REQUEST", calendar.GetProperty("params").GetProperty("method").GetString());
        Assert.Empty(mail.Parsed.GetProperty("defects").EnumerateArray());

        // MimeKit writes non-ASCII headers as RFC 2047 encoded words (UTF-8, base64), display names too.
        Assert.StartsWith("=?utf-8?b?", mail.RawHeader("subject"));
        Assert.StartsWith("=?utf-8?b?", mail.RawHeader("From"));
        // MimeKit adds Date and a Message-ID of its own (the app sets its own, stable across retries).
        Assert.NotEqual("", mail.MessageId);
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
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(server, Invitation(to: "nobody@example.test")));
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, e.ErrorCode);
        Assert.Equal(550, (int)e.StatusCode);
        Assert.Equal("nobody@example.test", e.Mailbox?.Address);
        Assert.Empty(await server.MessagesAsync());
    }

    [Fact]
    public async Task Temporarily_failed_recipient_is_a_451()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(TempFail: "busy@"));
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(server, Invitation(to: "busy@example.test")));
        Assert.Equal(451, (int)e.StatusCode);
        Assert.Contains("4.3.0 Try again later", e.Message);
        Assert.Empty(await server.MessagesAsync());
    }

    [Fact]
    public async Task One_bad_recipient_of_several_stops_the_send_before_DATA_in_MailKit()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(Reject: "^nobody@"));
        var message = Invitation();
        message.To.Add(new MailboxAddress("", "nobody@example.test"));
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(server, message));
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, e.ErrorCode);
        // MailKit resets the transaction: nobody gets a message whose RCPT list was cut short.
        // (The app sends each message to one recipient, so a refusal fails only that message.)
        await Task.Delay(300);
        Assert.Empty(await server.MessagesAsync());
    }

    [Fact]
    public async Task Outage_refuses_connections_and_restart_keeps_what_was_stored()
    {
        await using var server = await SmtpServer.StartAsync();
        await SendAsync(server, Invitation(subject: "一通目"));
        await server.WaitForAsync(1, Wait);

        await server.StopAsync();
        Assert.False(server.IsRunning);
        var e = await Assert.ThrowsAsync<SocketException>(() => SendAsync(server, Invitation(subject: "停止中")));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);

        await server.RestartAsync();
        Assert.True(server.IsRunning);
        await SendAsync(server, Invitation(subject: "二通目"));
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
        // aiosmtpd answers MAIL FROM with "530 5.7.0 Authentication required"; MailKit names it.
        var anonymous = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => SendAsync(server, Invitation()));
        Assert.Contains("Authentication required", anonymous.Message);
        // MailKit reports a failed AUTH itself rather than carrying on unauthenticated.
        await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(
            () => SendAsync(server, Invitation(), new NetworkCredential("mailer", "nope")));
        await SendAsync(server, Invitation(), new NetworkCredential("mailer", "s3cret"));
        Assert.Single(await server.WaitForAsync(1, Wait));
    }

    [Fact]
    public async Task Rcpt_delay_slows_each_recipient_and_timeout_reports_what_arrived()
    {
        await using var server = await SmtpServer.StartAsync(new SmtpServerOptions(RcptDelayMs: 300));
        var watch = Stopwatch.StartNew();
        var message = Invitation();
        message.To.Add(new MailboxAddress("", "second@example.test"));
        await SendAsync(server, message);
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
