using System.Net;
using System.Net.Sockets;

namespace EventPortal.Web.Webhooks;

/// <summary>
/// Where a hook may send (SSRF): https only, and never to loopback, private, link-local, unique-local
/// or other non-public addresses, unless <see cref="WebhookOptions.AllowPrivateTargets"/>. Checked when a
/// hook is saved (the name resolved then) and again for every connection (<see cref="ConnectAsync"/>), since a
/// name may resolve elsewhere by then (DNS rebinding).
/// </summary>
public static class WebhookTargets
{
    /// <summary>The localisation key of the reason a URL is refused, or null when it may be saved.</summary>
    public static async Task<string?> ProblemAsync(string url, bool allowPrivate, CancellationToken ct)
    {
        if (ShapeProblem(url, allowPrivate, out var uri) is { } problem) return problem;
        if (allowPrivate) return null;
        if (IPAddress.TryParse(uri!.IdnHost.Trim('[', ']'), out var literal)) return IsPublic(literal) ? null : "webhooks.error.private";
        if (IsLocalName(uri.IdnHost)) return "webhooks.error.private";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(uri.IdnHost, timeout.Token);
            return addresses.All(IsPublic) ? null : "webhooks.error.private";
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // Not resolvable now (no DNS here, a name set up later): every delivery checks again before connecting.
            return null;
        }
        catch (ArgumentException)
        {
            return "webhooks.error.url"; // a name no resolver takes (too long, say)
        }
    }

    /// <summary>The checks that need no lookup: a well-formed absolute https URL without credentials.</summary>
    public static string? ShapeProblem(string url, bool allowPrivate, out Uri? uri)
    {
        uri = null;
        if (url.Length is 0 or > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || !parsed.IsWellFormedOriginalString())
            return "webhooks.error.url";
        if (parsed.Scheme != Uri.UriSchemeHttps && !(allowPrivate && parsed.Scheme == Uri.UriSchemeHttp)) return "webhooks.error.https";
        if (parsed.UserInfo.Length > 0 || parsed.Fragment.Length > 0 || parsed.IdnHost.Length == 0) return "webhooks.error.url";
        uri = parsed;
        return null;
    }

    static bool IsLocalName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether an address is public: not loopback, private, link-local (cloud metadata), ULA, CGNAT, multicast.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224 || (b[0] == 169 && b[1] == 254) || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127) || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && b[1] is 18 or 19));
        }
        var v6 = address.GetAddressBytes();
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC
            || address.IsIPv4MappedToIPv6 || (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0D && v6[3] == 0xB8) || v6[0] == 0);
    }

    /// <summary>
    /// The webhook client's <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host itself and connects only
    /// to a public address, so what was checked is what is connected to. A refusal is a <see cref="TargetRefusedException"/>.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = addresses.Where(a => allowPrivate || (IsPublic(a) && !IsLocalName(host))).ToArray();
        if (allowed.Length == 0)
            throw new TargetRefusedException($"{host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, "
                + "which is not a public address");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A delivery refused because its target is not a public address; trying again would not help.</summary>
public sealed class TargetRefusedException(string message) : Exception(message);
