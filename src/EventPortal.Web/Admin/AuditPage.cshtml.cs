using Dapper;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary><c>/admin/audit</c>: the latest organiser actions, for owners.</summary>
[Authorize(Policy = AdminAuth.Owner)]
public sealed class AuditPageModel(Db db) : PageModel
{
    public sealed class Entry
    {
        public DateTime At { get; init; }
        public string Actor { get; init; } = "";
        public string Action { get; init; } = "";
        public string Target { get; init; } = "";
        public string Detail { get; init; } = "";
        public string Ip { get; init; } = "";
    }

    public IReadOnlyList<Entry> Entries { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        Entries = (await connection.QueryAsync<Entry>(new CommandDefinition(
            "SELECT at, actor, action, target, detail, ip FROM audit_log ORDER BY id DESC LIMIT 500", cancellationToken: ct))).AsList();
    }
}
