namespace EventPortal.Web.Admin.Security;

/// <summary>The JSON a browser posts after a WebAuthn ceremony, read as text; a passkey's answer is a few kB at most.</summary>
public static class PasskeyBody
{
    const int MaxChars = 64 * 1024;

    public static async Task<string?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true) return null;
        using var reader = new StreamReader(request.Body);
        var buffer = new char[MaxChars + 1];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
        return read is 0 or > MaxChars ? null : new string(buffer, 0, read);
    }
}
