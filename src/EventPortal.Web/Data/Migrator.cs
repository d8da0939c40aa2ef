using System.Data.Common;
using System.Reflection;
using Dapper;

namespace EventPortal.Web.Data;

/// <summary>
/// Applies the embedded <c>Data/Migrations/{dialect}/NNNN_name.sql</c> files that the
/// <c>schema_migrations</c> journal has not seen, in order, all in one transaction.
/// On PostgreSQL an advisory lock makes two instances starting on one empty database take
/// turns; on SQLite BEGIN IMMEDIATE does the same. Migrations are forward-only: an applied
/// file is never edited, a change is a new file.
/// </summary>
public static class Migrator
{
    // Any constant will do; it only has to be the same in every instance.
    const long AdvisoryLockKey = 0x4576_656E_7450_6F72;

    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> Load(DbProvider provider)
    {
        var assembly = typeof(Migrator).Assembly;
        var marker = $".Data.Migrations.{(provider == DbProvider.Postgres ? "postgres" : "sqlite")}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
                var version = int.Parse(file[..file.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return new Migration(version, file, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    public static Task<int> MigrateAsync(Db db, ILogger logger, CancellationToken ct) =>
        db.WriteAsync(async (connection, tx) =>
        {
            if (!db.IsSqlite)
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_xact_lock(@AdvisoryLockKey)", new { AdvisoryLockKey }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                )
                """, transaction: tx, cancellationToken: ct));
            var applied = (await connection.QueryAsync<int>(new CommandDefinition(
                "SELECT version FROM schema_migrations", transaction: tx, cancellationToken: ct))).ToHashSet();
            var count = 0;
            foreach (var migration in Load(db.Provider).Where(m => !applied.Contains(m.Version)))
            {
                logger.LogInformation("Applying migration {Name}", migration.Name);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
                    new { migration.Version, migration.Name, At = DateTime.UtcNow.ToString("O") }, tx, cancellationToken: ct));
                count++;
            }
            return count;
        }, ct);
}
