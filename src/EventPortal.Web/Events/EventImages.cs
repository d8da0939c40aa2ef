using System.Data.Common;
using Dapper;
using EventPortal.Web.Data;

namespace EventPortal.Web.Events;

/// <summary>
/// An event's own preview image in the database: its bytes in <c>event_images</c>, its type, size and version on the event
/// (read with the event, so pages need no second query). Replaced or removed as a whole, in the caller's transaction.
/// </summary>
public static class EventImages
{
    public sealed record Stored(string ContentType, string Version, byte[] Data);

    const string Find = $"""
        SELECT e.image_type AS ContentType, e.image_version AS Version, i.data AS Data
        FROM events e JOIN event_images i ON i.event_id = e.id
        WHERE e.slug = @slug AND e.status <> '{EventStatus.Draft}' AND e.image_version IS NOT NULL
        """;

    /// <summary>The image of a public (not draft) event, or null.</summary>
    public static async Task<Stored?> FindAsync(Db db, string slug, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(slug) || slug.Length > 100) return null;
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(Find, new { slug }, cancellationToken: ct));
    }

    public static async Task SaveAsync(DbConnection c, DbTransaction tx, long eventId, PreviewImage image, byte[] data, DateTime now,
        CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM event_images WHERE event_id = @eventId", new { eventId }, tx,
            cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("INSERT INTO event_images (event_id, data) VALUES (@eventId, @data)",
            new { eventId, data }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE events SET image_type = @ContentType, image_width = @Width, image_height = @Height, image_version = @Version,
                updated_at = @now
            WHERE id = @eventId
            """, new { image.ContentType, image.Width, image.Height, image.Version, eventId, now }, tx, cancellationToken: ct));
    }

    /// <summary>Back to the generated card; false when the event had no image of its own.</summary>
    public static async Task<bool> RemoveAsync(DbConnection c, DbTransaction tx, long eventId, DateTime now, CancellationToken ct)
    {
        var removed = await c.ExecuteAsync(new CommandDefinition("DELETE FROM event_images WHERE event_id = @eventId", new { eventId },
            tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE events SET image_type = NULL, image_width = NULL, image_height = NULL, image_version = NULL, updated_at = @now
            WHERE id = @eventId AND image_version IS NOT NULL
            """, new { eventId, now }, tx, cancellationToken: ct));
        return removed > 0;
    }
}
