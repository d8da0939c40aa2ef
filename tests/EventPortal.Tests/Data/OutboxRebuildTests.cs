using Dapper;
using EventPortal.Web.Data;
using Microsoft.Data.Sqlite;

namespace EventPortal.Tests.Data;

/// <summary>
/// SQLite's migration 0028 rebuilds the outbox without its foreign keys. The rebuild drops the old table with foreign
/// keys on, which deletes the webhook deliveries that name its rows: the migration must put them back, keep every
/// outbox row and id, and leave the deliveries' own key to the new table working.
/// </summary>
public sealed class OutboxRebuildTests
{
    [Fact]
    public async Task The_rebuilt_outbox_keeps_its_rows_and_their_webhook_deliveries_and_names_no_event_or_registration()
    {
        var file = Path.Combine(Path.GetTempPath(), $"eventportal-rebuild-{Guid.NewGuid():N}.db");
        try
        {
            await using var c = new SqliteConnection($"Data Source={file};Pooling=False");
            await c.OpenAsync();
            await c.ExecuteAsync("PRAGMA foreign_keys=ON");
            var migrations = Migrator.Load(DbProvider.Sqlite);
            var rebuild = Assert.Single(migrations, m => m.Name.StartsWith("0028_", StringComparison.Ordinal));
            await ApplyAsync(c, migrations.Where(m => m.Version < rebuild.Version).Select(m => m.Sql));

            await c.ExecuteAsync("""
                INSERT INTO webhooks (id, url, event_types, secret, created_at)
                VALUES (1, 'https://hooks.example.jp/in', 'registration.created', 'sealed', '2026-12-01T00:00:00Z');
                INSERT INTO outbox (id, kind, dedupe_key, payload, status, due_at, attempts, last_error, created_at, sent_at)
                VALUES (5, 'webhook.registration.created', 'webhook:1:5', '{"a":1}', 'failed', '2026-12-01T00:00:00Z', 3,
                        'HTTP 500', '2026-12-01T00:00:00Z', NULL),
                       (9, 'mail.registration_confirmed', 'confirm:9', '{}', 'sent', '2026-12-01T00:00:00Z', 1, NULL,
                        '2026-12-01T00:00:00Z', '2026-12-01T00:00:05Z');
                INSERT INTO webhook_deliveries (outbox_id, webhook_id, http_status, response, attempted_at)
                VALUES (5, 1, 500, 'oops', '2026-12-01T00:00:01Z');
                """);
            var before = (await c.QueryAsync<string>("SELECT id || kind || dedupe_key || payload || status || attempts "
                + "|| COALESCE(last_error, '-') || COALESCE(sent_at, '-') FROM outbox ORDER BY id")).ToList();

            await ApplyAsync(c, [rebuild.Sql]);

            Assert.Equal(before, await c.QueryAsync<string>("SELECT id || kind || dedupe_key || payload || status || attempts "
                + "|| COALESCE(last_error, '-') || COALESCE(sent_at, '-') FROM outbox ORDER BY id"));
            Assert.Equal("5 1 500 oops", await c.ExecuteScalarAsync<string>(
                "SELECT outbox_id || ' ' || webhook_id || ' ' || http_status || ' ' || response FROM webhook_deliveries"));
            Assert.Empty(await c.QueryAsync("PRAGMA foreign_key_list(outbox)"));
            Assert.Empty(await c.QueryAsync("PRAGMA foreign_key_check"));
            Assert.Equal("ok", await c.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
            Assert.Equal(["outbox_claimed", "outbox_due", "outbox_event", "outbox_registration"], await c.QueryAsync<string>(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL ORDER BY name"));

            // A row may name a registration and an event the database does not have (no keys); the deliveries' key to
            // the new table still cascades; and a new row takes the next id.
            Assert.Equal(10L, await c.ExecuteScalarAsync<long>("""
                INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, due_at, created_at)
                VALUES ('mail.registration_confirmed', 'confirm:77', 404, 77, '2026-12-02T00:00:00Z', '2026-12-02T00:00:00Z')
                RETURNING id
                """));
            await c.ExecuteAsync("DELETE FROM outbox WHERE id = 5");
            Assert.Equal(0L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_deliveries"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    /// <summary>The way the migrator applies them: in one transaction, foreign keys on.</summary>
    static async Task ApplyAsync(SqliteConnection c, IEnumerable<string> scripts)
    {
        await using var tx = await c.BeginTransactionAsync();
        foreach (var sql in scripts) await c.ExecuteAsync(sql, transaction: tx);
        await tx.CommitAsync();
    }
}
