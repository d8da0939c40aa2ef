namespace EventPortal.Tests.Infrastructure;

/// <summary>A clock the test sets: everything in the app that asks for the time asks <see cref="TimeProvider"/>.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
