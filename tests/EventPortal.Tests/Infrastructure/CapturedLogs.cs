using Microsoft.Extensions.Logging;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// A logger provider that keeps every line (category, message, exception, state) with the
/// scopes around it (text and values), for tests that look for leaks. Like the console
/// provider, it reads scopes from the factory's scope provider.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
    IExternalScopeProvider? _scopes;
    public string Text => string.Join("\n", _lines);
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public void Dispose() { }

    sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new System.Text.StringBuilder();
            owner._scopes?.ForEachScope((scope, sb) =>
            {
                sb.Append(" scope ").Append(scope);
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (key, value) in pairs) sb.Append(' ').Append(key).Append('=').Append(value);
            }, scopes);
            owner._lines.Enqueue($"{category}: {formatter(state, exception)} {exception} {state}{scopes}");
        }
    }
}
