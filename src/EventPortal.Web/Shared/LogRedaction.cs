using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventPortal.Web.Shared;

/// <summary>
/// Personal links (<c>/r/{token}</c>, <c>/j/{token}</c>, <c>/w/{token}</c>) are credentials, and
/// ASP.NET Core logs request paths (request start and finish, routing and handler arguments at
/// debug level). Every logger provider is wrapped so a message carrying such a path is written
/// with the token masked (<c>/r/***</c>), at any level and whatever the configuration says.
/// A masked message is passed on as plain text: structured values would still hold the token.
/// Per-provider level settings (<c>Logging:Console:LogLevel</c>) do not apply to wrapped
/// providers; use <c>Logging:LogLevel</c>.
/// </summary>
public static partial class LogRedaction
{
    public static string Redact(string text)
    {
        if (text.Contains('/')) text = PersonalPath().Replace(text, "$1***");
        // Routing's debug lines list route values ("token=[…]").
        if (text.Contains("token", StringComparison.OrdinalIgnoreCase)) text = TokenValue().Replace(text, "$1***");
        // MVC's trace line "Executing handler method … with arguments (…)" lists route values, tokens among them.
        if (text.Contains(" with arguments (", StringComparison.Ordinal)) text = HandlerArguments().Replace(text, "with arguments (***)");
        return text;
    }

    /// <summary>Call after every logger provider is registered (the last step before Build).</summary>
    public static IServiceCollection AddLogRedaction(this IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.ServiceType != typeof(ILoggerProvider) || d.IsKeyedService) continue;
            services[i] = ServiceDescriptor.Describe(typeof(ILoggerProvider), sp => Create(sp, d) switch
            {
                // Providers that read scopes themselves (console, JSON console) get a masking view of them.
                ISupportExternalScope scoped and ILoggerProvider inner => new RedactingScopedProvider(inner, scoped),
                var inner => new RedactingProvider(inner),
            }, d.Lifetime);
        }
        return services;
    }

    static ILoggerProvider Create(IServiceProvider sp, ServiceDescriptor d) =>
        d.ImplementationInstance as ILoggerProvider
        ?? d.ImplementationFactory?.Invoke(sp) as ILoggerProvider
        ?? (ILoggerProvider)ActivatorUtilities.CreateInstance(sp, d.ImplementationType!);

    // A personal token is 24 base64url characters; 16 or more after /r/, /j/, /w/ or /s/ (the survey) is
    // masked (so a mistyped or truncated token is masked too).
    [GeneratedRegex("(/[rjws]/)[A-Za-z0-9_-]{16,}", RegexOptions.IgnoreCase)]
    private static partial Regex PersonalPath();

    [GeneratedRegex(@"(token[""']?\s*[=:]\s*[\[""']?)[A-Za-z0-9_-]{16,}", RegexOptions.IgnoreCase)]
    private static partial Regex TokenValue();

    [GeneratedRegex(@"with arguments \(.*\)", RegexOptions.Singleline)]
    private static partial Regex HandlerArguments();

    sealed class RedactingProvider(ILoggerProvider inner) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));
        public void Dispose() => inner.Dispose();
    }

    sealed class RedactingScopedProvider(ILoggerProvider inner, ISupportExternalScope scoped) : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scoped.SetScopeProvider(new MaskingScopes(scopeProvider));
        public void Dispose() => inner.Dispose();
    }

    /// <summary>The scopes a provider reads, each masked as it is read.</summary>
    sealed class MaskingScopes(IExternalScopeProvider inner) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state) =>
            inner.ForEachScope((scope, s) => callback(scope is null ? null : MaskScope(scope), s), state);
        public IDisposable Push(object? state) => inner.Push(state);
    }

    /// <summary>A scope with a personal path or token in it, masked; any other scope as it was.</summary>
    static object MaskScope(object state)
    {
        var text = state.ToString() ?? "";
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            var masked = values.Select(v => v.Value is string value && Redact(value) is var m && m != value
                ? new KeyValuePair<string, object?>(v.Key, m) : v).ToList();
            return Redact(text) != text || !masked.SequenceEqual(values) ? new MaskedScope(masked, Redact(text)) : state;
        }
        return Redact(text) != text ? Redact(text) : state;
    }

    sealed class MaskedScope(List<KeyValuePair<string, object?>> values, string text) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => values[index];
        public int Count => values.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => text;
    }

    /// <summary>A structured scope, masked the first time it is read (<see cref="MaskScope"/>).</summary>
    sealed class MaskedOnRead(IEnumerable<KeyValuePair<string, object?>> state) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        object? _masked;
        object Masked => _masked ??= MaskScope(state);
        IReadOnlyList<KeyValuePair<string, object?>> Values =>
            Masked as IReadOnlyList<KeyValuePair<string, object?>> ?? ((IEnumerable<KeyValuePair<string, object?>>)Masked).ToList();
        public KeyValuePair<string, object?> this[int index] => Values[index];
        public int Count => Values.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Masked.ToString() ?? "";
    }

    /// <summary>Any other scope: its text, masked the first time it is read.</summary>
    sealed class MaskedTextOnRead(object state)
    {
        string? _text;
        public override string ToString() => _text ??= MaskScope(state).ToString() ?? "";
    }

    sealed class RedactingLogger(ILogger inner) : ILogger
    {
        /// <summary>
        /// Scopes too: ASP.NET Core opens one per request holding its path (<c>RequestPath=/r/…</c>). Masked when a
        /// provider reads the scope, not when it is opened: most are never read, and masking each one cost a rush about
        /// 3 % of the app's CPU (bench/README.md).
        /// </summary>
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope<object>(state switch
        {
            IEnumerable<KeyValuePair<string, object?>> values => new MaskedOnRead(values),
            _ => new MaskedTextOnRead(state),
        });
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            var masked = Redact(message);
            var stateText = state?.ToString() ?? "";
            if (masked == message && Redact(stateText) == stateText)
                inner.Log(logLevel, eventId, state, exception, formatter);
            else
                inner.Log(logLevel, eventId, masked, exception, static (text, _) => text);
        }
    }
}
