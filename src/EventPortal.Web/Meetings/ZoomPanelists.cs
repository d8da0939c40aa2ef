using System.Globalization;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Meetings;

/// <summary>
/// A Zoom webinar's panelists from the event's speakers that have an e-mail address, synced each time the webinar is made
/// or updated (a change of the speakers queues an update). Zoom has no idempotency key here either, so the webinar's
/// panelists are read first and only the missing ones are added: a sync that runs twice, or again after its answer was
/// lost, never adds a speaker twice. The portal removes only panelists it added (kept in <c>events.meeting_panelists</c>)
/// whose speaker is gone or has another address; panelists the organiser added in Zoom stay.
/// </summary>
public sealed class ZoomPanelists(ZoomClient zoom, Db db)
{
    public async Task SyncAsync(MeetingEvent ev, long webinarId, CancellationToken ct)
    {
        try
        {
            await SyncOnceAsync(ev, webinarId, ct);
        }
        catch (ZoomException e)
        {
            // The console then says what failed: the webinar itself is made.
            throw new ZoomException(e.Status, e.Code, "adding the speakers as panelists: " + e.ZoomMessage, e);
        }
    }

    async Task SyncOnceAsync(MeetingEvent ev, long webinarId, CancellationToken ct)
    {
        var wanted = Wanted(ev);
        var ours = Ours(ev.MeetingPanelists);
        var present = await zoom.PanelistsAsync(webinarId, ct);
        var presentAddresses = present.Where(p => p.Email is not null)
            .Select(p => EmailAddress.Normalize(p.Email!)).ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Where(w => !presentAddresses.Contains(w.Key)).Select(w => w.Value).ToList();
        if (missing.Count > 0) await zoom.AddPanelistsAsync(webinarId, missing, ct);
        var gone = present.Where(p => p is { Id: not null, Email: not null } && EmailAddress.Normalize(p.Email) is var address
            && ours.Contains(address) && !wanted.ContainsKey(address)).ToList();
        foreach (var panelist in gone) await zoom.RemovePanelistAsync(webinarId, panelist.Id!, ct);
        // Once Zoom has acted, what we made is recorded even while shutting down.
        var list = JsonSerializer.Serialize(wanted.Keys.Order(StringComparer.Ordinal).ToList());
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            "UPDATE events SET meeting_panelists = @list WHERE id = @Id AND meeting_external_id = @externalId",
            new { list, ev.Id, externalId = webinarId.ToString(CultureInfo.InvariantCulture) }, tx)), CancellationToken.None);
    }

    /// <summary>The speakers with an address, by normalised address (a speaker listed twice is one panelist).</summary>
    static Dictionary<string, ZoomPanelistRequest> Wanted(MeetingEvent ev)
    {
        var wanted = new Dictionary<string, ZoomPanelistRequest>(StringComparer.Ordinal);
        foreach (var s in ev.Speakers)
            if (s.Email is { Length: > 0 } email && EmailAddress.IsValid(email))
                wanted.TryAdd(EmailAddress.Normalize(email), new ZoomPanelistRequest(s.Name.Length > 0 ? s.Name : email, email));
        return wanted;
    }

    static HashSet<string> Ours(string? stored)
    {
        if (string.IsNullOrEmpty(stored)) return new(StringComparer.Ordinal);
        try { return (JsonSerializer.Deserialize<List<string>>(stored) ?? []).ToHashSet(StringComparer.Ordinal); }
        catch (JsonException) { return new(StringComparer.Ordinal); }
    }
}
