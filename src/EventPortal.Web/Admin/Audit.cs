using System.Data.Common;
using System.Security.Claims;
using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Admin;

/// <summary>The audit log of organiser actions: who, what, when, from where. Owners read it at /admin/audit.</summary>
public static class Audit
{
    const string Insert = """
        INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES (@at, @actor, @action, @target, @detail, @ip)
        """;

    /// <summary>Inside the transaction of the change it describes.</summary>
    /// <param name="actor">Who, when not the signed-in organiser (a registrant correcting their own details).</param>
    public static Task WriteAsync(DbConnection connection, DbTransaction tx, HttpContext context, string action, string target,
        string detail, DateTime at, CancellationToken ct, string? actor = null) =>
        connection.ExecuteAsync(new CommandDefinition(Insert, Row(context, action, target, detail, at, actor), tx, cancellationToken: ct));

    /// <summary>On its own, for things that change nothing else (sign-in, an export).</summary>
    public static Task RecordAsync(Db db, HttpContext context, string action, string target, string detail, DateTime at,
        string? actor = null) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(Insert, Row(context, action, target, detail, at, actor), tx)),
            CancellationToken.None);

    static object Row(HttpContext context, string action, string target, string detail, DateTime at, string? actor) => new
    {
        at,
        actor = actor ?? context.User.FindFirstValue(ClaimTypes.Name) ?? "anonymous",
        action,
        target = Clip(target, 200),
        detail = Clip(detail, 2000),
        ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
    };

    /// <summary>At most <paramref name="max"/> UTF-16 units, never half of a surrogate pair (the database refuses one).</summary>
    static string Clip(string value, int max) =>
        value.Length <= max ? value : value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];
}
