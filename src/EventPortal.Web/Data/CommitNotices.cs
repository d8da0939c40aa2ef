using System.Data.Common;
using System.Runtime.CompilerServices;

namespace EventPortal.Web.Data;

/// <summary>Hears from <see cref="Db"/> after the COMMIT of each transaction marked with <see cref="CommitNotices.Request"/>.</summary>
public interface ICommitListener
{
    /// <summary>Runs on the writer's path after the COMMIT: quick, and never throws (the write has succeeded).</summary>
    void Committed();
}

/// <summary>
/// Lets work running inside <see cref="Db.WriteAsync{T}"/> ask to be followed by something once its
/// transaction has committed: the outbox marks a transaction that queued rows, and
/// <see cref="Db"/> wakes the dispatcher after the COMMIT (not before it, when the dispatcher would
/// find nothing; not at all after a rollback). So no caller has to remember to.
/// On SQLite several writes share one transaction, each in its savepoint: a write that queued and
/// then failed alone leaves its mark, which costs one needless wake (one empty claim).
/// </summary>
public static class CommitNotices
{
    static readonly ConditionalWeakTable<DbTransaction, object> Marked = new();
    static readonly object Mark = new();

    public static void Request(DbTransaction tx) => Marked.AddOrUpdate(tx, Mark);

    /// <summary>Whether <paramref name="tx"/> was marked; forgets the mark either way.</summary>
    internal static bool Take(DbTransaction tx) => Marked.Remove(tx);
}
