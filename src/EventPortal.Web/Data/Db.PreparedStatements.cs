using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace EventPortal.Web.Data;

/// <summary>
/// The SQLite writer's connection as the work sees it: the same connection, except that each
/// distinct SQL text keeps one <see cref="SqliteCommand"/> for the life of the connection, and a
/// SqliteCommand run again keeps its prepared statements. Dapper asks for a new command on every
/// call; without this, every statement of every registration was parsed and planned again on the
/// one thread that does all the writing (bench/README.md). Only the writer loop uses it, one
/// statement at a time, so the cache needs no locking.
/// </summary>
public sealed partial class Db
{
    sealed class PreparingConnection(SqliteConnection inner) : DbConnection
    {
        // Queries are constants in the code; the cap only guards against a caller that builds SQL text per call.
        const int MaxCached = 512;
        readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        /// <summary>The command for <paramref name="sql"/>, its parameters cleared; <c>cached</c> false: the caller disposes it.</summary>
        public SqliteCommand For(string sql, out bool cached)
        {
            cached = true;
            if (_commands.TryGetValue(sql, out var command))
            {
                command.Parameters.Clear();
                return command;
            }
            command = inner.CreateCommand();
            command.CommandText = sql;
            if (_commands.Count < MaxCached) _commands[sql] = command;
            else cached = false;
            return command;
        }

        [AllowNull]
        public override string ConnectionString { get => inner.ConnectionString; set => throw new NotSupportedException(); }
        public override string Database => inner.Database;
        public override string DataSource => inner.DataSource;
        public override string ServerVersion => inner.ServerVersion;
        public override ConnectionState State => inner.State;
        public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();
        public override void Open() { }
        public override void Close() { }
        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) =>
            throw new NotSupportedException("The writer loop owns the transaction.");
        protected override DbCommand CreateDbCommand() => new PreparedCommand(this);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var command in _commands.Values) command.Dispose();
                _commands.Clear();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A parameter whose name carries the <c>@</c> the SQL gives it. Dapper names parameters without it, and
    /// Microsoft.Data.Sqlite then looks each one up again under every prefix SQLite allows (<c>:</c>, <c>@</c>, <c>$</c>),
    /// each lookup a scan of the statement's names after a UTF-8 copy of the name: a registration's 25 parameters cost
    /// about 4 % of the app's CPU in the rush before this (bench/README.md).
    /// </summary>
    sealed class NamedParameter : SqliteParameter
    {
        [AllowNull]
        public override string ParameterName
        {
            get => base.ParameterName;
            set => base.ParameterName = string.IsNullOrEmpty(value) || value[0] is '@' or ':' or '$' ? value : "@" + value;
        }
    }

    /// <summary>
    /// A command handed to Dapper: it runs the connection's cached command for its SQL text. Dapper's list
    /// expansion (<c>IN @ids</c>) rewrites the text after adding parameters, which this command does not
    /// follow; PostgreSQL would need <c>= ANY(@ids)</c> anyway: pass a list of parameter objects instead (one run each).
    /// </summary>
    sealed class PreparedCommand(PreparingConnection owner) : DbCommand
    {
        SqliteCommand? _inner;
        bool _cached;
        string _text = "";
        DbTransaction? _transaction;

        SqliteCommand Inner => _inner ?? throw new InvalidOperationException("CommandText is set before the command is used.");

        [AllowNull]
        public override string CommandText
        {
            get => _text;
            set
            {
                Release();
                _text = value ?? "";
                _inner = owner.For(_text, out _cached);
            }
        }

        public override int CommandTimeout { get; set; } = 30;
        public override CommandType CommandType
        {
            get => CommandType.Text;
            set { if (value != CommandType.Text) throw new NotSupportedException(); }
        }
        public override bool DesignTimeVisible { get; set; }
        public override UpdateRowSource UpdatedRowSource { get; set; }
        protected override DbConnection? DbConnection { get => owner; set { } }
        protected override DbParameterCollection DbParameterCollection => Inner.Parameters;
        protected override DbTransaction? DbTransaction { get => _transaction; set => _transaction = value; }

        SqliteCommand Ready()
        {
            var command = Inner;
            command.Transaction = (SqliteTransaction?)_transaction;
            command.CommandTimeout = CommandTimeout;
            return command;
        }

        public override void Cancel() => _inner?.Cancel();
        public override int ExecuteNonQuery() => Ready().ExecuteNonQuery();
        public override object? ExecuteScalar() => Ready().ExecuteScalar();
        public override void Prepare() => Ready().Prepare();
        protected override DbParameter CreateDbParameter() => new NamedParameter();
        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Ready().ExecuteReader(behavior);

        void Release()
        {
            if (_inner is not null && !_cached) _inner.Dispose();
            _inner = null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Release();
            base.Dispose(disposing);
        }
    }
}
