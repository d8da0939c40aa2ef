using EventPortal.Web.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Events;

public sealed class IndexModel(Db db, TimeProvider clock) : PageModel
{
    public IReadOnlyList<EventRecord> Events { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) =>
        Events = await EventQueries.UpcomingAsync(db, clock.GetUtcNow().UtcDateTime, ct);
}
