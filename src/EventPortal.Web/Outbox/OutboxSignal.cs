using EventPortal.Web.Data;

namespace EventPortal.Web.Outbox;

/// <summary>
/// Wakes the dispatcher when a commit queued work, so a confirmation goes out at once rather than
/// at the next poll. Only <see cref="Db"/> wakes it, after each COMMIT of a transaction in which
/// <see cref="OutboxRows"/> queued a row (<see cref="CommitNotices"/>): callers never do.
/// </summary>
public sealed class OutboxSignal : ICommitListener
{
    // Not disposed: a commit may still arrive while the app shuts down, and waking must not throw then.
    readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Several commits before the dispatcher looks are one wake.</summary>
    void ICommitListener.Committed()
    {
        // A wake already waiting is enough; Release would throw on the full semaphore, after every commit of a rush
        // while the dispatcher is busy. (Two commits racing past the check: the catch.)
        if (_wake.CurrentCount > 0) return;
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}
