using Microsoft.Extensions.Logging;

namespace EventPortal.Tests.Infrastructure;

/// <summary>A logger provider that keeps every line (category, message, exception, state) for tests that look for leaks.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
    public string Text => string.Join("\n", _lines);
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{category}: {formatter(state, exception)} {exception} {state}");
    }
}
