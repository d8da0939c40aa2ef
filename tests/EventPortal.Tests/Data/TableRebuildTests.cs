using Dapper;
using EventPortal.Web.Data;
using Microsoft.Data.Sqlite;

namespace EventPortal.Tests.Data;

/// <summary>
/// SQLite's migrations 0028 and 0029 rebuild the outbox and the registrations without their foreign keys. Each drops the
/// old table with foreign keys on, which deletes (or sets to NULL) what names its rows in other tables: the migration
/// must put that back, keep every row and id, and leave the other tables' keys to the new table working.
/// </summary>
public sealed class TableRebuildTests
{
    const string Now = "2026-12-01T00:00:00Z";

    [Fact]
    public async Task The_rebuilt_outbox_keeps_its_rows_and_their_webhook_deliveries_and_names_no_event_or_registration()
    {
        await using var db = await MigratedBeforeAsync(28);
        var c = db.Connection;
        await c.ExecuteAsync($$"""
            INSERT INTO webhooks (id, url, event_types, secret, created_at)
            VALUES (1, 'https://hooks.example.jp/in', 'registration.created', 'sealed', '{{Now}}');
            INSERT INTO outbox (id, kind, dedupe_key, payload, status, due_at, attempts, last_error, created_at, sent_at)
            VALUES (5, 'webhook.registration.created', 'webhook:1:5', '{"a":1}', 'failed', '{{Now}}', 3, 'HTTP 500', '{{Now}}', NULL),
                   (9, 'mail.registration_confirmed', 'confirm:9', '{}', 'sent', '{{Now}}', 1, NULL, '{{Now}}', '{{Now}}');
            INSERT INTO webhook_deliveries (outbox_id, webhook_id, http_status, response, attempted_at)
            VALUES (5, 1, 500, 'oops', '{{Now}}');
            """);
        const string Rows = "SELECT id || kind || dedupe_key || payload || status || attempts || COALESCE(last_error, '-') "
            + "|| COALESCE(sent_at, '-') FROM outbox ORDER BY id";
        var before = (await c.QueryAsync<string>(Rows)).ToList();

        await ApplyAsync(c, [db.Rebuild.Sql]);

        Assert.Equal(before, await c.QueryAsync<string>(Rows));
        Assert.Equal("5 1 500 oops", await c.ExecuteScalarAsync<string>(
            "SELECT outbox_id || ' ' || webhook_id || ' ' || http_status || ' ' || response FROM webhook_deliveries"));
        await AssertSoundAsync(c, "outbox");
        Assert.Equal(["outbox_claimed", "outbox_due", "outbox_event", "outbox_registration"], await c.QueryAsync<string>(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL ORDER BY name"));

        // A row may name a registration and an event the database does not have (no keys); the deliveries' key to
        // the new table still cascades; and a new row takes the next id.
        Assert.Equal(10L, await c.ExecuteScalarAsync<long>($"""
            INSERT INTO outbox (kind, dedupe_key, event_id, registration_id, due_at, created_at)
            VALUES ('mail.registration_confirmed', 'confirm:77', 404, 77, '{Now}', '{Now}')
            RETURNING id
            """));
        await c.ExecuteAsync("DELETE FROM outbox WHERE id = 5");
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_deliveries"));
    }

    [Fact]
    public async Task The_rebuilt_registrations_keep_their_rows_seats_and_survey_responses_and_the_legacy_hashes_only()
    {
        await using var db = await MigratedBeforeAsync(29);
        var c = db.Connection;
        var oldHash = new string('f', 64);
        await c.ExecuteAsync($"""
            INSERT INTO events (id, slug, title, starts_at, ends_at, created_at, updated_at)
            VALUES (1, 'e', 'E', '{Now}', '{Now}', '{Now}', '{Now}');
            INSERT INTO ticket_types (id, event_id, code, name_ja, name_en, capacity) VALUES (1, 1, 'live', 'ライブ', 'Live', 3);
            INSERT INTO seats (ticket_type_id, seat_no) VALUES (1, 1), (1, 2), (1, 3);
            INSERT INTO registrations (id, event_id, ticket_type_id, status, family_name, given_name, email, email_normalized,
                token_seed, manage_token_hash, consent_at, created_at, updated_at, channel)
            VALUES (4, 1, 1, 'confirmed', '山田', '花子', 'a@example.jp', 'a@example.jp', 'seed-a', 'seed-a', '{Now}', '{Now}',
                    '{Now}', 'web'),
                   (7, 1, 1, 'confirmed', '佐藤', '一郎', 'b@example.jp', 'b@example.jp', 'seed-b', '{oldHash}', '{Now}',
                    '{Now}', '{Now}', 'phone');
            UPDATE seats SET registration_id = 4 WHERE seat_no = 1;
            UPDATE seats SET registration_id = 7 WHERE seat_no = 3;
            INSERT INTO survey_responses (id, event_id, registration_id, answers, created_at, updated_at)
            VALUES (2, 1, 7, '{"{}"}', '{Now}', '{Now}');
            """);
        const string Rows = "SELECT id || status || family_name || email || token_seed || channel FROM registrations ORDER BY id";
        var before = (await c.QueryAsync<string>(Rows)).ToList();

        await ApplyAsync(c, [db.Rebuild.Sql]);

        Assert.Equal(before, await c.QueryAsync<string>(Rows));
        // A seed kept in the legacy column since 0022 is no hash: it goes; a hash from an earlier link stays.
        Assert.Equal(["4 -", $"7 {oldHash}"], await c.QueryAsync<string>(
            "SELECT id || ' ' || COALESCE(manage_token_hash, '-') FROM registrations ORDER BY id"));
        Assert.Equal(["1:4", "2:-", "3:7"], await c.QueryAsync<string>(
            "SELECT seat_no || ':' || COALESCE(registration_id, '-') FROM seats ORDER BY seat_no"));
        Assert.Equal(7L, await c.ExecuteScalarAsync<long>("SELECT registration_id FROM survey_responses WHERE id = 2"));
        await AssertSoundAsync(c, "registrations");

        // The seats' key to the new table still acts (a deleted registration frees its seat), and one address still has
        // one active registration per event.
        await c.ExecuteAsync("DELETE FROM registrations WHERE id = 4");
        Assert.Equal(2L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM seats WHERE registration_id IS NULL"));
        var duplicate = await Assert.ThrowsAsync<SqliteException>(() => c.ExecuteAsync($"""
            INSERT INTO registrations (event_id, ticket_type_id, status, family_name, given_name, email, email_normalized,
                token_seed, consent_at, created_at, updated_at)
            VALUES (1, 1, 'confirmed', '佐藤', '一郎', 'b@example.jp', 'b@example.jp', 'seed-c', '{Now}', '{Now}', '{Now}')
            """));
        Assert.Equal(19, duplicate.SqliteErrorCode);   // SQLITE_CONSTRAINT
    }

    /// <summary><paramref name="table"/> names no other table, and the database is whole and consistent.</summary>
    static async Task AssertSoundAsync(SqliteConnection c, string table)
    {
        Assert.Empty(await c.QueryAsync($"PRAGMA foreign_key_list({table})"));
        Assert.Empty(await c.QueryAsync("PRAGMA foreign_key_check"));
        Assert.Equal("ok", await c.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    /// <summary>A database with SQLite's migrations before <paramref name="version"/> applied, and that migration.</summary>
    static async Task<Scratch> MigratedBeforeAsync(int version)
    {
        var file = Path.Combine(Path.GetTempPath(), $"eventportal-rebuild-{Guid.NewGuid():N}.db");
        var c = new SqliteConnection($"Data Source={file};Pooling=False");
        await c.OpenAsync();
        await c.ExecuteAsync("PRAGMA foreign_keys=ON");
        var migrations = Migrator.Load(DbProvider.Sqlite);
        var rebuild = Assert.Single(migrations, m => m.Version == version);
        await ApplyAsync(c, migrations.Where(m => m.Version < version).Select(m => m.Sql));
        return new Scratch(file, c, rebuild);
    }

    /// <summary>The way the migrator applies them: in one transaction, foreign keys on.</summary>
    static async Task ApplyAsync(SqliteConnection c, IEnumerable<string> scripts)
    {
        await using var tx = await c.BeginTransactionAsync();
        foreach (var sql in scripts) await c.ExecuteAsync(sql, transaction: tx);
        await tx.CommitAsync();
    }

    sealed record Scratch(string File, SqliteConnection Connection, Migrator.Migration Rebuild) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            foreach (var f in new[] { File, File + "-wal", File + "-shm" }) System.IO.File.Delete(f);
        }
    }
}
