using Azure.Identity;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;

namespace EventPortal.Web.Shared;

/// <summary>
/// A Microsoft Graph error: the HTTP status, Graph's <c>error.code</c> (branch on that, not on
/// the message), its message, and the wait the service asked for (<c>Retry-After</c> on 429/503).
/// Status 401 with no response from Graph means the token itself could not be obtained.
/// </summary>
public sealed class GraphException(int status, string? code, string message, TimeSpan? retryAfter, Exception? inner = null)
    : Exception($"Graph {status} {code ?? "(no code)"}: {message}", inner)
{
    public int Status { get; } = status;
    public string? Code { get; } = code;
    public string GraphMessage { get; } = message;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    /// <summary>Graph's <c>request-id</c> header, for a support case with Microsoft.</summary>
    public string? RequestId { get; init; }
}

/// <summary>
/// Runs a call through the Graph SDK and turns what it throws into one <see cref="GraphException"/>,
/// so the outbox's rules (retry, give up, wait for <c>Retry-After</c>) read one shape: the SDK's
/// <see cref="ODataError"/> (Graph's <c>{error: {code, message}}</c>), a bare <see cref="ApiException"/>
/// (an answer that is not Graph's JSON), and a token the identity platform refused (401).
/// Connection trouble stays an <see cref="HttpRequestException"/>, a timeout a
/// <see cref="TaskCanceledException"/>.
/// </summary>
public static class GraphCalls
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception e) when (Map(e) is { } mapped) { throw mapped; }
    }

    public static async Task RunAsync(Func<Task> call)
    {
        try { await call(); }
        catch (Exception e) when (Map(e) is { } mapped) { throw mapped; }
    }

    /// <summary>A DELETE; false when the thing was gone already (404), which is what the caller wanted.</summary>
    public static async Task<bool> DeleteIfPresentAsync(Func<Task> delete)
    {
        try { await RunAsync(delete); return true; }
        catch (GraphException e) when (e.Status == 404) { return false; }
    }

    static GraphException? Map(Exception e) => e switch
    {
        ODataError o => new GraphException(o.ResponseStatusCode, o.Error?.Code, o.Error?.Message ?? o.Message,
            RetryAfter(o.ResponseStatusCode, o.ResponseHeaders), o) { RequestId = Header(o.ResponseHeaders, "request-id") },
        ApiException a => new GraphException(a.ResponseStatusCode, null, a.Message, RetryAfter(a.ResponseStatusCode, a.ResponseHeaders), a),
        // Reported as 401 so callers treat it like a rejected token: an operator can fix it, the work waits.
        AuthenticationFailedException f when TokenFailure.Of(f) is var (code, message) => new GraphException(401, code, message, null, f),
        _ => null,
    };

    static string? Header(IDictionary<string, IEnumerable<string>> headers, string name) =>
        headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    /// <summary>Retry-After as seconds (Graph's form) or an HTTP date; meaningful on 429 and 503.</summary>
    static TimeSpan? RetryAfter(int status, IDictionary<string, IEnumerable<string>> headers)
    {
        if (status is not (429 or 503) || Header(headers, "Retry-After") is not { } value) return null;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (int.TryParse(value, invariant, out var seconds)) return TimeSpan.FromSeconds(Math.Max(0, seconds));
        return DateTimeOffset.TryParse(value, invariant, out var at)
            ? at - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero
            : null;
    }
}
