using System.Globalization;
using Dapper;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Proof;

/// <summary>
/// What an organiser's request can change, read whole: every table but the data-protection
/// keys, row by row (the audit log by its count and last id). Compared before and after a
/// request the answer said was refused, or a read: they must be equal.
/// </summary>
sealed class ConsoleState
{
    static readonly string[] Tables =
    [
        "events", "ticket_types", "event_categories", "event_questions", "registrations", "outbox", "reminder_rules",
        "organiser_messages", "admins", "api_tokens", "app_state", "purge_log", "surveys", "survey_questions", "survey_responses",
    ];

    /// <summary>Columns that change on every use by design: a token's last use.</summary>
    static readonly string[] Moving = ["last_used_at"];

    /// <summary>What a failed sign-in writes by design: its audit line and the account's failure count.</summary>
    static readonly string[] SignInCounters = ["failed_sign_ins", "locked_until"];

    readonly Dictionary<string, List<string>> _tables;
    readonly (long Count, long Last) _audit, _auditButSignInFailures;

    ConsoleState(Dictionary<string, List<string>> tables, (long, long) audit, (long, long) auditButSignInFailures) =>
        (_tables, _audit, _auditButSignInFailures) = (tables, audit, auditButSignInFailures);

    public static readonly System.Diagnostics.Stopwatch Spent = new();

    public static async Task<ConsoleState> ReadAsync(PortalApp app)
    {
        Spent.Start();
        try { return await ReadCoreAsync(app); }
        finally { Spent.Stop(); }
    }

    static async Task<ConsoleState> ReadCoreAsync(PortalApp app)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        var tables = new Dictionary<string, List<string>>();
        foreach (var table in Tables)
        {
            var rows = await connection.QueryAsync($"SELECT * FROM {table} ORDER BY 1");
            tables[table] = rows.Cast<IDictionary<string, object?>>()
                .Select(row => string.Join("|", row.Where(c => !Moving.Contains(c.Key)).Select(c => $"{c.Key}={Text(c.Value)}")))
                .ToList();
        }
        var audit = await connection.QuerySingleAsync<(long, long)>("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_log");
        var quiet = await connection.QuerySingleAsync<(long, long)>(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_log WHERE action <> 'signin.failed'");
        return new ConsoleState(tables, audit, quiet);
    }

    static string Text(object? value) => value switch
    {
        null => "∅",
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>
    /// What differs, or null: but for what a failed sign-in writes when <paramref name="signIn"/>, and
    /// but for the audit log when <paramref name="audited"/> (an export of personal data is audited).
    /// </summary>
    public string? Difference(ConsoleState before, bool signIn, bool audited)
    {
        if (!audited && (signIn ? _auditButSignInFailures != before._auditButSignInFailures : _audit != before._audit))
            return $"audit log {before._audit} → {_audit}";
        foreach (var table in Tables)
        {
            var (now, then) = (Strip(_tables[table], signIn), Strip(before._tables[table], signIn));
            if (now.SequenceEqual(then)) continue;
            var added = now.Except(then).FirstOrDefault();
            var removed = then.Except(now).FirstOrDefault();
            return $"{table}: {then.Count} → {now.Count} rows; now {Cut(added)}; was {Cut(removed)}";
        }
        return null;
    }

    static List<string> Strip(List<string> rows, bool signIn) => !signIn ? rows
        : rows.Select(r => string.Join("|",
            r.Split('|').Where(c => !SignInCounters.Any(k => c.StartsWith(k + "=", StringComparison.Ordinal)))))
            .ToList();

    static string Cut(string? text) => text is null ? "-" : text.Length <= 240 ? text : text[..240] + "…";
}
