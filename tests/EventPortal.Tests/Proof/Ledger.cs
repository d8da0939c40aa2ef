using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventPortal.Tests.Events;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Data;
using EventPortal.Web.Outbox;
using EventPortal.Web.Reminders;

namespace EventPortal.Tests.Proof;

/// <summary>
/// What the database and the SMTP server hold after a scenario, and the promises checked
/// against them: no seat oversold or lost, every answered registration stored, every owed
/// mail delivered exactly once with the right template, nothing else delivered.
/// </summary>
public sealed partial class Ledger
{
    public sealed record Registration(long Id, string Email, string Status, string Slug, string Code, long TicketTypeId);
    /// <param name="Taken">Seat rows with someone on them (none on an unlimited ticket).</param>
    /// <param name="Misseated">Seat rows naming a registration that is not a confirmed or pending one of the ticket.</param>
    /// <param name="Unseated">Confirmed or pending registrations of a capped ticket that are on no seat row.</param>
    public sealed record Ticket(long Id, string Slug, string Code, int? Capacity, int Taken, bool Waitlist, int Confirmed, int Waitlisted,
        int Misseated, int Unseated);
    public sealed record Row(long Id, string Kind, string Status, long? RegistrationId, int Attempts, string? ClaimedBy, string? LastError);
    public sealed record Mail(string File, string[] RcptTos, string Subject, string MessageId, string To, bool Calendar, string? Error);

    /// <summary>The mails a registration owes now: the first confirmation or waitlist notice, and re-sends.</summary>
    static readonly string[] OwedKinds = [OutboxRows.Kinds.Confirmed, OutboxRows.Kinds.Waitlisted, OutboxRows.Kinds.Resent];

    public required List<Registration> Registrations { get; init; }
    public required List<Ticket> Tickets { get; init; }
    public required List<Row> Rows { get; init; }
    public required Dictionary<string, string> Titles { get; init; }
    public required List<Mail> Mails { get; init; }

    public static async Task<Ledger> ReadAsync(ProofCluster cluster)
    {
        DapperSetup.Configure();
        return new Ledger
        {
            Registrations = await cluster.QueryAsync<Registration>("""
                SELECT r.id, r.email, r.status, e.slug, t.code, r.ticket_type_id
                FROM registrations r JOIN events e ON e.id = r.event_id JOIN ticket_types t ON t.id = r.ticket_type_id
                """),
            Tickets = await cluster.QueryAsync<Ticket>("""
                SELECT t.id, e.slug, t.code, t.capacity,
                    (SELECT COUNT(*) FROM seats s WHERE s.ticket_type_id = t.id AND s.registration_id IS NOT NULL)::int AS taken,
                    t.waitlist,
                    (SELECT COUNT(*) FROM registrations r WHERE r.ticket_type_id = t.id AND r.status = 'confirmed')::int AS confirmed,
                    (SELECT COUNT(*) FROM registrations r WHERE r.ticket_type_id = t.id AND r.status = 'waitlisted')::int AS waitlisted,
                    (SELECT COUNT(*) FROM seats s LEFT JOIN registrations r ON r.id = s.registration_id
                     WHERE s.ticket_type_id = t.id AND s.registration_id IS NOT NULL
                       AND (r.id IS NULL OR r.ticket_type_id <> t.id OR r.status NOT IN ('confirmed', 'pending')))::int AS misseated,
                    (SELECT COUNT(*) FROM registrations r WHERE r.ticket_type_id = t.id AND t.capacity IS NOT NULL
                       AND r.status IN ('confirmed', 'pending')
                       AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.ticket_type_id = t.id AND s.registration_id = r.id))::int AS unseated
                FROM ticket_types t JOIN events e ON e.id = t.event_id
                """),
            Rows = await cluster.QueryAsync<Row>(
                """
                SELECT id, kind, status, registration_id, attempts, claimed_by, last_error FROM outbox
                WHERE kind NOT IN (@reminder, @plan)
                """,
                new { reminder = OutboxRows.Kinds.Reminder, plan = ReminderFanOut.Kind }),
            Titles = (await cluster.QueryAsync<(string Slug, string Title)>("SELECT slug, title FROM events"))
                .ToDictionary(e => e.Slug, e => e.Title),
            Mails = await MailAsync(cluster.Smtp),
        };
    }

    /// <summary>Every stored message, indexed by tests/tools/mail_index.py (Python's email package) in one go.</summary>
    public static async Task<List<Mail>> MailAsync(SmtpServer smtp)
    {
        var (code, stdout, stderr) = await SmtpServer.RunAsync(
            [Path.Combine(Repo.Root, "tests", "tools", "mail_index.py"), smtp.MailDir], TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"mail_index.py exited with {code}: {stderr}");
        return JsonSerializer.Deserialize<List<Mail>>(stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>
    /// Waits until no owed mail is queued, retrying or in flight and the SMTP server holds as many
    /// messages as rows were marked sent; then a little longer, so that a duplicate on its way arrives too.
    /// Returns how long the outbox took to drain.
    /// </summary>
    public static async Task<TimeSpan> WaitForMailAsync(ProofCluster cluster, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (open, sent) = await cluster.QueryOneAsync<(int, int)>("""
                SELECT COUNT(*) FILTER (WHERE status NOT IN ('sent', 'skipped', 'failed'))::int,
                    COUNT(*) FILTER (WHERE status = 'sent')::int
                FROM outbox WHERE kind NOT IN (@reminder, @plan)
                """, new { reminder = OutboxRows.Kinds.Reminder, plan = ReminderFanOut.Kind });
            var stored = StoredCount(cluster.Smtp);
            if (open == 0 && stored >= sent) break;
            Assert.True(watch.Elapsed < timeout,
                $"the outbox did not drain within {timeout.TotalSeconds} s: " +
                $"{open} rows open, {sent} sent, {stored} messages stored\n{cluster.Output}");
            await Task.Delay(250);
        }
        var drained = watch.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        return drained;
    }

    /// <summary>
    /// With the SMTP server held (<see cref="SmtpServer.Hold"/>): waits until every message the
    /// server stored has its row recorded as sent, so that no instance is between the server's
    /// "250" and its database update. On a loaded machine that takes longer than any fixed pause.
    /// </summary>
    public static async Task WaitUntilSettledAsync(ProofCluster cluster)
    {
        var watch = Stopwatch.StartNew();
        var settled = 0;
        while (settled < 3)
        {
            var sent = await cluster.QueryOneAsync<int>(
                "SELECT COUNT(*)::int FROM outbox WHERE status = 'sent' AND kind NOT IN (@reminder, @plan)",
                new { reminder = OutboxRows.Kinds.Reminder, plan = ReminderFanOut.Kind });
            var stored = StoredCount(cluster.Smtp);
            settled = stored == sent ? settled + 1 : 0;
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60),
                $"held for 60 s, the SMTP server has {stored} messages but {sent} rows are sent");
            await Task.Delay(100);
        }
    }

    static int StoredCount(SmtpServer smtp) =>
        Directory.Exists(Path.Combine(smtp.MailDir, "new")) ? Directory.GetFiles(Path.Combine(smtp.MailDir, "new"), "*.eml").Length : 0;

    /// <summary>No answer from the server was a 5xx; every answer is one the rules allow.</summary>
    public static void AssertAnswers(IReadOnlyList<Answer> answers, IReadOnlySet<string> withoutWaitlist)
    {
        var errors = answers.Where(a => a.Status >= 500).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} answers were 5xx, e.g. {errors.FirstOrDefault()}");
        var repeated = answers.GroupBy(a => a.Attempt.Email).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var a in answers)
        {
            var allowed = a.Status switch
            {
                201 => a.RegistrationStatus is "confirmed"
                    || (a.RegistrationStatus is "waitlisted" && !withoutWaitlist.Contains(a.Attempt.Slug)),
                // A repeat; or an attempt whose first instance died after committing it, sent again to the other.
                200 => repeated.Contains(a.Attempt.Email) || a.Via != a.Attempt.Instance,
                409 => withoutWaitlist.Contains(a.Attempt.Slug),
                0 => true, // the connection broke (a killed instance): checked against the database below
                _ => false,
            };
            Assert.True(allowed, $"unexpected answer {a}");
        }
    }

    /// <summary>
    /// Per ticket: each seat row held by exactly one confirmed registration of it and each confirmed
    /// one on a seat row, never above capacity; full where demand exceeded it; no seat rows on an unlimited ticket.
    /// </summary>
    public void AssertSeats(IReadOnlyDictionary<string, int> demand)
    {
        foreach (var t in Tickets)
        {
            Assert.True(t.Misseated == 0 && t.Unseated == 0, $"{t.Slug}/{t.Code}: {t.Misseated} seats held wrongly, {t.Unseated} unseated");
            var expected = t.Capacity is null ? 0 : t.Confirmed;
            Assert.True(t.Taken == expected, $"{t.Slug}/{t.Code}: {t.Taken} seat rows held but {t.Confirmed} confirmed registrations");
            if (t.Capacity is { } capacity)
            {
                Assert.True(t.Confirmed <= capacity, $"{t.Slug}/{t.Code}: oversold, {t.Confirmed} confirmed for {capacity} seats");
                if (demand.TryGetValue(t.Slug, out var wanted) && wanted >= capacity && t.Code == "live")
                    Assert.True(t.Confirmed == capacity,
                        $"{t.Slug}/{t.Code}: {t.Confirmed} confirmed for {capacity} seats and {wanted} people: a seat was lost");
            }
            if (!t.Waitlist) Assert.Equal(0, t.Waitlisted);
        }
    }

    /// <summary>Every 2xx answer is a registration with the status it was told; a 409 left nothing behind.</summary>
    public void AssertAnswersStored(IReadOnlyList<Answer> answers)
    {
        var byEmail = Registrations.GroupBy(r => r.Email).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var g in byEmail) Assert.True(g.Value.Count == 1, $"{g.Key} has {g.Value.Count} registrations");
        foreach (var a in answers)
        {
            var stored = byEmail.GetValueOrDefault(a.Attempt.Email)?.Single();
            switch (a.Status)
            {
                case 201:
                    Assert.True(stored is not null, $"answered 201 but not stored: {a}");
                    Assert.True(stored.Status == a.RegistrationStatus, $"answered {a.RegistrationStatus} but stored {stored.Status}: {a}");
                    break;
                case 200:
                    Assert.True(stored is not null, $"answered 200 (already registered) but not stored: {a}");
                    break;
                case 409:
                    Assert.True(stored is null, $"answered 409 but stored: {a}");
                    break;
            }
        }
    }

    [GeneratedRegex(@"^<(\d+)\.[0-9a-f]{16}@portal\.example\.jp>$")]
    private static partial Regex MessageIdPattern();

    /// <summary>
    /// Every owed mail was delivered exactly once, to its registrant, with the template that
    /// matches the registration's status; no other mail was delivered. Returns the figures.
    /// </summary>
    public Dictionary<string, object?> AssertMail()
    {
        var broken = Mails.Where(m => m.Error is not null).ToList();
        Assert.True(broken.Count == 0, $"{broken.Count} stored messages could not be parsed, e.g. {broken.FirstOrDefault()}");
        var rows = Rows.ToDictionary(r => r.Id);
        var registrations = Registrations.ToDictionary(r => r.Id);
        var mailsByRow = new Dictionary<long, List<Mail>>();
        var strays = new List<Mail>();
        foreach (var m in Mails)
        {
            var match = MessageIdPattern().Match(m.MessageId);
            var id = match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (!rows.ContainsKey(id)) { strays.Add(m); continue; }
            if (!mailsByRow.TryGetValue(id, out var list)) mailsByRow[id] = list = [];
            list.Add(m);
        }
        var owed = Rows.Where(r => OwedKinds.Contains(r.Kind)).ToList();
        var figures = new Dictionary<string, object?>
        {
            ["mails_owed"] = owed.Count,
            ["mails_delivered"] = Mails.Count,
            ["mails_lost"] = owed.Count(r => !mailsByRow.ContainsKey(r.Id)),
            ["mails_duplicated"] = mailsByRow.Values.Sum(l => l.Count - 1),
            ["mails_unexpected"] = strays.Count + mailsByRow.Keys.Count(id => !OwedKinds.Contains(rows[id].Kind)),
            ["mails_retried"] = owed.Count(r => r.Attempts > 1),
        };

        Assert.True(strays.Count == 0, $"{strays.Count} messages match no outbox row, e.g. {strays.FirstOrDefault()}");
        var other = Rows.Where(r => !OwedKinds.Contains(r.Kind)).ToList();
        Assert.True(other.Count == 0, $"{other.Count} outbox rows of kinds nobody owed, e.g. {other.FirstOrDefault()}");
        var unsent = owed.Where(r => r.Status != "sent").ToList();
        Assert.True(unsent.Count == 0, $"{unsent.Count} owed rows are not sent, e.g. {unsent.FirstOrDefault()}");
        var lost = owed.Where(r => !mailsByRow.ContainsKey(r.Id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} rows marked sent never reached the SMTP server, e.g. {lost.FirstOrDefault()}");
        var doubled = mailsByRow.Where(p => p.Value.Count > 1).ToList();
        Assert.True(doubled.Count == 0,
            $"{doubled.Count} mails were delivered more than once, e.g. row {doubled.FirstOrDefault().Key}: " +
            $"{string.Join(", ", doubled.FirstOrDefault().Value ?? [])}");

        foreach (var (id, list) in mailsByRow)
        {
            var row = rows[id];
            var mail = list.Single();
            Assert.True(row.RegistrationId is { } rid && registrations.ContainsKey(rid), $"row {id} names no registration");
            var r = registrations[row.RegistrationId!.Value];
            Assert.True(mail.RcptTos.SequenceEqual([r.Email]) && mail.To == r.Email,
                $"row {id} for {r.Email} went to {string.Join(",", mail.RcptTos)} / {mail.To}");
            var (prefix, calendar) = r.Status == "confirmed" ? ("【お申し込み完了】", true) : ("【キャンセル待ち】", false);
            Assert.True(mail.Subject == prefix + Titles[r.Slug] && mail.Calendar == calendar,
                $"{r.Email} ({r.Status}) got '{mail.Subject}' (invite: {mail.Calendar}) for {row.Kind}");
        }
        foreach (var r in Registrations)
        {
            var first = Rows.Where(o => o.RegistrationId == r.Id && o.Kind != OutboxRows.Kinds.Resent).Select(o => o.Kind).ToList();
            var expected = r.Status == "confirmed" ? OutboxRows.Kinds.Confirmed : OutboxRows.Kinds.Waitlisted;
            Assert.True(first.SequenceEqual([expected]), $"{r.Email} ({r.Status}) owes [{string.Join(", ", first)}], not [{expected}]");
        }
        return figures;
    }

    /// <summary>Seats of the limited tickets the attempts were for.</summary>
    public Dictionary<string, object?> SeatFigures(IEnumerable<Attempt> attempts)
    {
        var slugs = attempts.Select(a => a.Slug).ToHashSet();
        var limited = Tickets.Where(t => t.Capacity is not null && slugs.Contains(t.Slug) && t.Code == "live").ToList();
        return new Dictionary<string, object?>
        {
            ["confirmed"] = limited.Sum(t => t.Confirmed),
            ["waitlisted"] = limited.Sum(t => t.Waitlisted),
            ["seats"] = limited.Sum(t => t.Capacity),
            ["oversold"] = limited.Sum(t => Math.Max(0, t.Confirmed - t.Capacity!.Value)),
            // Seat rows held against confirmed registrations (an unlimited ticket has no rows), and any seat held wrongly.
            ["seat_count_mismatch"] =
                Tickets.Sum(t => Math.Abs(t.Taken - (t.Capacity is null ? 0 : t.Confirmed)) + t.Misseated + t.Unseated),
            ["registrations"] = Registrations.Count(r => slugs.Contains(r.Slug)),
        };
    }
}
