using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// A webhook receiver on loopback, as an office's integration would run one: it keeps every POST with its headers and
/// answers with the statuses it was given, in order (then 200). Signatures are checked here from the documented
/// format alone (<see cref="SignatureValid"/>), not with the app's code.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Delivery(string Body, string Signature, string Id, string Type)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
        public JsonElement Data => Json.GetProperty("data");
    }

    readonly WebApplication _app;
    readonly ConcurrentQueue<int> _answers;
    readonly ConcurrentQueue<Delivery> _received = new();
    public Uri Base { get; private set; } = null!;
    public string Url => new Uri(Base, "/hook").ToString();
    public IReadOnlyList<Delivery> Received => [.. _received];

    WebhookReceiver(IEnumerable<int> answers)
    {
        _answers = new(answers);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var h = context.Request.Headers;
            _received.Enqueue(new Delivery(body, h["EventPortal-Signature"].ToString(), h["EventPortal-Delivery"].ToString(),
                h["EventPortal-Event"].ToString()));
            return Results.Text("ok " + new string('x', 500), statusCode: _answers.TryDequeue(out var status) ? status : 200);
        });
    }

    public static async Task<WebhookReceiver> StartAsync(params int[] answers)
    {
        var receiver = new WebhookReceiver(answers);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Base = new Uri(address);
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> deliveries came, then a little longer for any that should not.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAsync(int count, TimeSpan? timeout = null, TimeSpan? settle = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (_received.Count < count && DateTime.UtcNow < until) await Task.Delay(50);
        Assert.True(_received.Count >= count, $"{_received.Count} of {count} deliveries came: "
            + string.Join(", ", _received.Select(d => d.Type)));
        await Task.Delay(settle ?? TimeSpan.FromSeconds(1));
        return Received;
    }

    /// <summary><c>EventPortal-Signature: t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{body}" keyed with the secret}</c>.</summary>
    public static bool SignatureValid(Delivery d, string secret)
    {
        var parts = d.Signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1)) return false;
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes(t + "." + d.Body))).ToLowerInvariant();
        var sent = long.Parse(t, System.Globalization.CultureInfo.InvariantCulture);
        var fresh = Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - sent) < 300;
        return fresh && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v1));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
