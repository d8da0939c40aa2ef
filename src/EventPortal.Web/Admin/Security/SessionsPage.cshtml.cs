using System.Globalization;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// <c>/admin/sessions</c>: where one's account is signed in (started, last seen, browser, address,
/// how it signed in), and "sign out everywhere else", which ends every other session at once.
/// </summary>
public sealed class SessionsPageModel(Db db, TimeProvider clock) : PageModel
{
    public IReadOnlyList<Sessions.Row> Rows { get; private set; } = [];
    public string CurrentHash { get; private set; } = "";
    public int? Ended { get; private set; }

    long AdminId => long.Parse(User.FindFirst("admin_id")!.Value, CultureInfo.InvariantCulture);

    public async Task OnGetAsync(int? ended, CancellationToken ct)
    {
        Ended = ended is >= 0 and < 100_000 ? ended : null;
        CurrentHash = Sessions.CurrentHash(User);
        Rows = await Sessions.ListAsync(db, AdminId, clock.GetUtcNow().UtcDateTime, ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var keep = Sessions.CurrentHash(User);
        var ended = await db.WriteAsync(async (c, tx) =>
        {
            var n = await Sessions.RevokeOthersAsync(c, tx, AdminId, keep, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "sessions.signout_others", User.Identity!.Name!, $"{n} sessions ended", now, ct);
            return n;
        }, ct);
        return Redirect($"/admin/sessions?ended={ended}");
    }
}
