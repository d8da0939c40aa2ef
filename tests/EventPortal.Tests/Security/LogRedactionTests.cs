using System.Net;
using EventPortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventPortal.Tests.Security;

/// <summary>Personal links are credentials: at any log level, no log line carries one.</summary>
public sealed class LogRedactionTests
{
    [Fact]
    public async Task Personal_tokens_never_reach_the_logs_even_at_trace_level()
    {
        var logs = new CapturedLogs();
        var kept = new KeptScopes();
        var settings = Organisers.Bootstrap();
        settings["Logging:LogLevel:Default"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        await using var app = await PortalApp.StartSqliteAsync(settings: settings, services: s =>
        {
            s.AddSingleton<ILoggerProvider>(logs);
            s.AddSingleton<ILoggerProvider>(kept);
        });
        var slug = await app.CreateEventAsync();
        using var client = app.Client();
        using var browser = app.Browser();

        var manage = await client.RegisteredAsync(slug, "logged@example.jp");
        var token = manage[3..];
        var id = Web.Registrations.Tokens.IdOf(token);
        var (join, watch) = ((await app.JoinPathAsync(id))[3..], (await app.WatchPathAsync(id))[3..]);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(manage)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{manage}/invite.ics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{manage}/qr.png")).StatusCode);
        await client.GetAsync($"/j/{join}");
        await client.GetAsync($"/w/{watch}");
        await client.GetAsync($"/s/{token}");     // the survey, reached with the personal page's token
        await client.GetAsync($"/r/{token}x");   // a wrong token is not logged either
        await client.GetAsync($"/R/{token}");    // nor another spelling of the path
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CancelAsync(manage)).StatusCode);

        var text = logs.Text;
        Assert.Contains("/r/***", text);   // requests are still logged, with the token masked
        Assert.Contains("/s/***", text);
        Assert.Contains("scope", text);     // and the request scopes (RequestPath=…) were looked at
        foreach (var secret in new[] { token, join, watch, Organisers.ApiToken })
            Assert.DoesNotContain(secret, text);

        // A provider that keeps its own scopes is handed them masked too (they are masked when read, not when opened).
        var scopes = kept.Text;
        Assert.Contains("RequestPath", scopes);
        Assert.Contains("/r/***", scopes);
        foreach (var secret in new[] { token, join, watch })
            Assert.DoesNotContain(secret, scopes);
    }

    /// <summary>A provider without the factory's scope provider: it is given each scope and reads it later.</summary>
    sealed class KeptScopes : ILoggerProvider
    {
        readonly System.Collections.Concurrent.ConcurrentQueue<object> _scopes = new();
        public string Text => string.Join("\n", _scopes.Select(scope => scope is IEnumerable<KeyValuePair<string, object?>> pairs
            ? $"{scope} {string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))}"
            : scope.ToString()));
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        sealed class Logger(KeptScopes owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                owner._scopes.Enqueue(state);
                return null;
            }
            public bool IsEnabled(LogLevel logLevel) => false;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
                Func<TState, Exception?, string> formatter) { }
        }
    }
}
