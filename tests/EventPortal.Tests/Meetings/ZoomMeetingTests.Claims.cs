using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Outbox;
using EventPortal.Web.Meetings;

namespace EventPortal.Tests.Meetings;

public sealed partial class ZoomMeetingTests
{
    [Fact]
    public async Task While_another_instance_is_making_the_meeting_this_one_waits_instead_of_making_a_second()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        // Another instance's fresh claim.
        await app.ExecuteAsync(
            "UPDATE events SET meeting_state = 'creating', meeting_claim = 'another-instance', meeting_synced_at = @now WHERE id = @id",
            new { id, now = DateTime.UtcNow });

        var waited = await Assert.ThrowsAsync<OutboxException>(() => app.RunDirectlyAsync(id, MeetingSync.Create));
        Assert.False(waited.Permanent);
        Assert.Empty(zoom.Meetings);
        // Cancelling meanwhile: the delete waits for the meeting too, rather than leaving it behind.
        await app.ExecuteAsync("UPDATE events SET status = 'cancelled' WHERE id = @id", new { id });
        Assert.False((await Assert.ThrowsAsync<OutboxException>(() => app.RunDirectlyAsync(id, MeetingSync.Delete))).Permanent);
        await app.ExecuteAsync("UPDATE events SET status = 'published' WHERE id = @id", new { id });

        // That instance died: its claim lapses and this one makes the meeting, once.
        await app.ExecuteAsync("UPDATE events SET meeting_synced_at = @then WHERE id = @id",
            new { id, then = DateTime.UtcNow - MeetingClaim.Lapse - TimeSpan.FromSeconds(1) });
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        Assert.Single(zoom.Meetings);
        Assert.Equal("ready", (await app.MeetingAsync(id)).MeetingState);
    }

    [Fact]
    public async Task A_failed_create_gives_its_claim_back_so_the_retry_is_not_blocked()
    {
        await using var zoom = await FakeZoom.StartAsync();
        await using var app = await StartAsync(zoom);
        var (slug, id) = await app.ProviderEventAsync("Zoom");
        zoom.FailNext(FakeZoomFailure.ServerError);
        await Assert.ThrowsAsync<OutboxException>(() => app.RunDirectlyAsync(id, MeetingSync.Create));
        Assert.Equal("pending", (await app.MeetingAsync(id)).MeetingState);
        Assert.Equal(OutboxResult.Done, await app.RunDirectlyAsync(id, MeetingSync.Create));
        Assert.Single(zoom.Meetings);
    }
}
