using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Outbox;
using EventPortal.Web.Reminders;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Registrations;

/// <summary>
/// <see cref="RegisterOutcome.CheckMail"/>: held as pending, or waitlisted, until the registrant uses the mailed link
/// (the personal link is not shown). <see cref="RegisterOutcome.TooManyHolds"/>: the client's network holds its share.
/// </summary>
public enum RegisterOutcome { Confirmed, Waitlisted, CheckMail, AlreadyRegistered, SoldOut, NotOnSale, TooManyHolds }

/// <param name="ManageToken">A new registration's personal link (on the public paths made after the commit).</param>
/// <param name="TokenSeed">The new registration's seed, from which its join and recording links derive (<see cref="Tokens"/>).</param>
public sealed record RegisterResult(RegisterOutcome Outcome, long RegistrationId = 0, string Status = "", string? ManageToken = null,
    DateTime? HoldUntil = null, string? TokenSeed = null);

/// <summary>
/// What a registrant does, from the public page, the personal page or the API: register,
/// ask for the mail again, cancel, switch ticket. Each is one transaction; the seat rules
/// themselves live in <see cref="Seats"/> and what each change owes in <see cref="Owed"/>.
/// </summary>
public sealed partial class Registrar(Db db, Tokens tokens, TimeProvider clock, IOptions<RegistrationOptions> options)
{
    const string FindActive = $"""
        SELECT id, status FROM registrations
        WHERE event_id = @EventId AND email_normalized = @EmailNormalized AND status <> '{RegistrationStatus.Cancelled}'
        """;

    // On SQLite (@WaitlistIfFull), a registration for a capped ticket with a waitlist and no free seat is written to the
    // waitlist at once, without the hold of an address to confirm (the waitlist keeps none): its one writer makes that look
    // exact, and it saves the seat claim and the update after it. PostgreSQL writes the status and hold it is given: its
    // statement carries no subquery it would start on every call for nothing (Registrar.Postgres.cs).
    const string FullAndWaitlisting = """
        @WaitlistIfFull AND NOT @Unlimited
            AND NOT EXISTS (SELECT 1 FROM seats WHERE ticket_type_id = @TicketTypeId AND registration_id IS NULL)
        """;

    // Inserted only for a ticket of the event (no foreign key checks either: PostgreSQL's migration 0027, SQLite's 0029), while the
    // ticket is still as unlimited (or as capped) as the page said: an organiser may have changed it in between, and the
    // seat rules differ (Seats.Rows.cs); and, given a version of the reminder plan (not -1), only while it is still the
    // event's (ReminderPlan).
    static string InsertRegistrationAs(string status = "@Status", string holdUntil = "@HoldUntil") => $"""
        INSERT INTO registrations (event_id, ticket_type_id, status, family_name, given_name, reading, email,
            email_normalized, organization, category_code, accessibility, questions, answers, language,
            token_seed, consent_at, created_at, updated_at,
            address_confirmed_at, hold_until, client_network, channel, entered_by, entry_key)
        SELECT @EventId, @TicketTypeId, {status}, @FamilyName, @GivenName, @Reading, @Email,
            @EmailNormalized, @Organization, @Category, @Accessibility, @Questions, @Answers, @Language,
            @Seed, @Now, @Now, @Now, @AddressConfirmedAt, {holdUntil}, @ClientNetwork,
            @Channel, @EnteredBy, @EntryKey
        FROM ticket_types WHERE id = @TicketTypeId AND event_id = @EventId AND (capacity IS NULL) = @Unlimited
            AND (@PlanVersion < 0 OR EXISTS (SELECT 1 FROM events WHERE id = @EventId AND plan_version = @PlanVersion))
        RETURNING id, status
        """;

    static readonly string InsertRegistrationSqlite = InsertRegistrationAs(
            $"CASE WHEN {FullAndWaitlisting} THEN '{RegistrationStatus.Waitlisted}' ELSE @Status END",
            $"CASE WHEN @HoldUntil IS NULL OR {FullAndWaitlisting} THEN NULL ELSE @HoldUntil END"),
        InsertRegistrationPostgres = InsertRegistrationAs();

    string InsertRegistration => db.IsSqlite ? InsertRegistrationSqlite : InsertRegistrationPostgres;

    /// <summary>A new row: its id, and the status it was written with.</summary>
    sealed record Inserted(long Id, string Status);

    const string NetworkHolds = $"""
        SELECT COUNT(*) FROM registrations
        WHERE event_id = @eventId AND client_network = @network AND status = '{RegistrationStatus.Pending}'
        """;

    // Serialises the count and the insert of one network's holds on one event across instances (pg_advisory_xact_lock's
    // first key; the second is a hash of the event and the network, so different networks do not wait for each other).
    const int HoldLockClass = 0x486f6c64;   // "Hold"

    /// <param name="clientNetwork">The network the request came from (<see cref="Shared.RateLimits.ClientKey"/>).</param>
    /// <param name="channel">The public form (<see cref="RegistrationChannel.Web"/>) or the API.</param>
    public async Task<RegisterResult> RegisterAsync(EventDetails details, ValidRegistration r, string language, string clientNetwork,
        CancellationToken ct, string channel = RegistrationChannel.Web)
    {
        var e = details.Event;
        var entry = new Entry(channel, null, null, clientNetwork);
        var now = clock.GetUtcNow().UtcDateTime;
        if (!r.Ticket.IsOnSale(now, e)) return new(RegisterOutcome.NotOnSale);
        // Everything that needs no database is done before the write: on SQLite the writer is one thread for all.
        var n = new NewRow(Tokens.NewSeed(now), r.Answers.ToJsonString(Json.Stored), details.Plan);
        // Most registrations are first registrations, so the first attempt goes straight for
        // the seat. A repeat (a second click, a second tab, a forgotten earlier registration)
        // trips the unique index on (event, normalised e-mail); everything is rolled back and
        // the second attempt looks the existing registration up instead.
        RegisterResult result;
        try
        {
            result = await db.WriteAsync((connection, tx) =>
                RegisterInTransactionAsync(connection, tx, e, r, language, entry, n, now, lookFirst: false, ct),
                ct);
        }
        catch (Exception ex) when (Db.IsUniqueViolation(ex))
        {
            result = await db.WriteAsync((connection, tx) =>
                RegisterInTransactionAsync(connection, tx, e, r, language, entry, n, now, lookFirst: true, ct), ct);
        }
        // The personal link is made here, after the commit, rather than on SQLite's one writer thread.
        return WithLink(result);
    }

    /// <summary>A new registration's result with its personal link (<see cref="RegisterResult.ManageToken"/>).</summary>
    RegisterResult WithLink(RegisterResult result) =>
        result.TokenSeed is { } seed ? result with { ManageToken = tokens.Manage(result.RegistrationId, seed) } : result;

    async Task<RegisterResult> RegisterInTransactionAsync(DbConnection connection, DbTransaction tx, EventRecord e,
        ValidRegistration r, string language, Entry entry, NewRow n, DateTime now, bool lookFirst,
        CancellationToken ct)
    {
        var clientNetwork = entry.ClientNetwork;
        var found = lookFirst
            ? await connection.QuerySingleOrDefaultAsync<SeatHolder>(new CommandDefinition(
                FindActive, new { EventId = e.Id, r.EmailNormalized }, tx, cancellationToken: ct))
            : null;
        if (found is not null)
        {
            // Re-send the confirmation instead of creating a duplicate; staff are told instead (they asked, not the person).
            if (!entry.ByStaff) await QueueResendAsync(connection, tx, e.Id, found.Id, now, ct);
            return new(RegisterOutcome.AlreadyRegistered, found.Id, found.Status);
        }

        // Staff vouch for the person and the address they give, so a staff entry confirms at once.
        var confirmAddress = r.Ticket.ConfirmAddress && !entry.ByStaff;
        if (confirmAddress && await NetworkHoldsAsync(connection, tx, e.Id, clientNetwork, ct) >= options.Value.HoldsPerNetwork)
            return new(RegisterOutcome.TooManyHolds);
        var held = confirmAddress ? RegistrationStatus.Pending : RegistrationStatus.Confirmed;
        var mail = Owed.RegisteredMail(addressConfirmed: !confirmAddress, held);
        var row = new
        {
            EventId = e.Id, TicketTypeId = r.Ticket.Id, Status = held, r.FamilyName, r.GivenName, r.Reading, r.Email,
            r.EmailNormalized, r.Organization, r.Category, r.Accessibility, r.Questions, Answers = n.Answers, Language = language,
            n.Seed, Now = now, PlanVersion = n.Plan?.Version ?? -1,
            AddressConfirmedAt = confirmAddress ? (DateTime?)null : now,
            HoldUntil = confirmAddress ? now + options.Value.Hold : (DateTime?)null, ClientNetwork = confirmAddress ? clientNetwork : null,
            Unlimited = r.Ticket.Capacity is null, entry.Channel, entry.EnteredBy, entry.EntryKey,
            WaitlistIfFull = r.Ticket.Waitlist,   // read by SQLite's statement only
            // PostgreSQL's one statement: where its look for a seat starts, and the mail it writes (Registrar.Postgres.cs).
            From = Seats.RandomFrom(r.Ticket.Capacity), MailKind = mail.Kind, MailKey = mail.KeyPrefix,
        };
        var capped = !row.Unlimited;
        var plan = n.Plan;
        // On PostgreSQL the row, its first look for a seat and its mail in one statement where it can (Registrar.Postgres.cs).
        var oneStatement = OneStatement(connection) && r.Email.Length > 0;
        var (inserted, seatedAndMailed) = oneStatement
            ? await InsertSeatAndMailAsync(connection, tx, row, capped, ct)
            : (await connection.QuerySingleOrDefaultAsync<Inserted>(new CommandDefinition(InsertRegistration, row, tx,
                cancellationToken: ct)), false);
        var looked = oneStatement && inserted is not null;
        if (inserted is null)
        {
            // The ticket's capacity, or the reminder plan, changed since the copy the page used was read: read both here.
            plan = await ReminderRules.LoadPlanAsync(connection, tx, e.Id, ct);
            capped = await connection.QuerySingleAsync<bool>(new CommandDefinition(
                "SELECT capacity IS NOT NULL FROM ticket_types WHERE id = @TicketTypeId", new { TicketTypeId = r.Ticket.Id }, tx,
                cancellationToken: ct));
            inserted = await connection.QuerySingleAsync<Inserted>(new CommandDefinition(InsertRegistration,
                row with { Unlimited = !capped, PlanVersion = -1 }, tx, cancellationToken: ct));
        }
        var id = inserted.Id;
        var status = seatedAndMailed || inserted.Status == RegistrationStatus.Waitlisted
            ? inserted.Status
            : await Seats.SeatNewAsync(connection, tx, r.Ticket, capped, id, held, ct, looked);
        if (status is null)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM registrations WHERE id = @id", new { id }, tx,
                cancellationToken: ct));
            return new(RegisterOutcome.SoldOut);
        }
        var holdUntil = status == RegistrationStatus.Pending ? row.HoldUntil : null;
        var holder = new SeatHolder
        {
            Id = id, EventId = e.Id, TicketTypeId = r.Ticket.Id, Status = status, TicketKind = r.Ticket.Kind,
            MeetingProvider = e.MeetingProvider, AddressConfirmedAt = confirmAddress ? null : now, Email = r.Email,
        };
        await Owed.AfterAsync(connection, tx, holder, SeatChange.Registered, now, ct, plan, mailWritten: seatedAndMailed);
        var outcome = confirmAddress ? RegisterOutcome.CheckMail
            : status == RegistrationStatus.Confirmed ? RegisterOutcome.Confirmed : RegisterOutcome.Waitlisted;
        return new(outcome, id, status, HoldUntil: holdUntil, TokenSeed: n.Seed);
    }

    /// <summary>
    /// A new registration's seed (<see cref="Tokens"/>) and answers, made before its write, and the reminder plan it was
    /// read with (null: read it inside the transaction).
    /// </summary>
    sealed record NewRow(string Seed, string Answers, ReminderPlan? Plan = null);

    /// <summary>
    /// The pending holds <paramref name="network"/> has on the event. On PostgreSQL an advisory lock per
    /// event and network, held to the commit, makes the count and the insert one step for every instance (on SQLite
    /// the single writer does): a client cannot pass the cap by sending to two instances at once.
    /// </summary>
    async Task<int> NetworkHoldsAsync(DbConnection connection, DbTransaction tx, long eventId, string network, CancellationToken ct)
    {
        if (!db.IsSqlite)
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@HoldLockClass, hashtext(CAST(@eventId AS text) || ' ' || @network))",
                new { HoldLockClass, eventId, network }, tx, cancellationToken: ct));
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            NetworkHolds, new { eventId, network }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The owner of the address used the mailed link (<see cref="Seats.ConfirmAddressAsync"/>).
    /// Whatever the outcome, the caller shows the personal page, which tells the registration's state.
    /// </summary>
    public async Task<SeatOutcome> ConfirmAddressAsync(long registrationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.WriteAsync(async (connection, tx) =>
            await Seats.FindAsync(connection, tx, registrationId, ct) is { } r
                ? await Seats.ConfirmAddressAsync(connection, tx, r, now, ct)
                : SeatOutcome.Unchanged, ct);
    }

    /// <summary>
    /// "Didn't get the mail?": queues the confirmation again when the address has an active
    /// registration for the event. Returns nothing either way, so the caller cannot tell
    /// (and so cannot tell anyone) whether the address is registered.
    /// </summary>
    public async Task ResendAsync(long eventId, string emailNormalized, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (connection, tx) =>
        {
            var found = await connection.QuerySingleOrDefaultAsync<SeatHolder>(new CommandDefinition(
                FindActive, new { EventId = eventId, EmailNormalized = emailNormalized }, tx, cancellationToken: ct));
            if (found is not null) await QueueResendAsync(connection, tx, eventId, found.Id, now, ct);
            return 0;
        }, ct);
    }

    /// <summary>
    /// At most one re-sent confirmation per registration every ten minutes, whoever asks (the
    /// registrant, a repeat registration, an organiser): the dedupe key carries the window.
    /// </summary>
    public static Task<bool> QueueResendAsync(DbConnection connection, DbTransaction tx, long eventId, long registrationId, DateTime now,
        CancellationToken ct) =>
        OutboxRows.EnqueueAsync(connection, tx, OutboxRows.Kinds.Resent,
            $"resend:{registrationId}:{now.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}{now.Minute / 10}",
            eventId, registrationId, now, ct);

    public enum ChangeOutcome { Done, Unchanged, SoldOut, NotOnSale }

    /// <summary>The registrant cancels: a confirmed seat goes to the oldest waitlisted (<see cref="Seats.CancelAsync"/>).</summary>
    public async Task<ChangeOutcome> CancelAsync(long registrationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var outcome = await db.WriteAsync(async (connection, tx) =>
            await Seats.FindAsync(connection, tx, registrationId, ct) is { } r && await Seats.CancelAsync(connection, tx, r, now, ct)
                ? ChangeOutcome.Done
                : ChangeOutcome.Unchanged, ct);
        return outcome;
    }

    /// <summary>The registrant moves to another ticket of the event (<see cref="Seats.SwitchAsync"/>).</summary>
    public async Task<ChangeOutcome> SwitchTicketAsync(long registrationId, TicketTypeRecord target, EventRecord e, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!target.IsOnSale(now, e)) return ChangeOutcome.NotOnSale;
        try
        {
            var outcome = await db.WriteAsync(async (connection, tx) =>
                await Seats.FindAsync(connection, tx, registrationId, ct) is { } r
                    ? await Seats.SwitchAsync(connection, tx, r, target, now, ct) switch
                    {
                        SeatOutcome.Done => ChangeOutcome.Done,
                        SeatOutcome.NoSeat => ChangeOutcome.SoldOut,
                        _ => ChangeOutcome.Unchanged,
                    }
                    : ChangeOutcome.Unchanged, ct);
            return outcome;
        }
        catch (DBConcurrencyException)
        {
            // Cancelled or switched by a concurrent request: everything here was rolled back.
            return ChangeOutcome.Unchanged;
        }
    }
}
