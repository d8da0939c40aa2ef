using System.Buffers;
using System.Text.Json;

namespace EventPortal.Web.Shared;

/// <summary>
/// Reads a JSON request body by hand for the APIs: 415 unless it is JSON, 413 over the limit,
/// 400 unless it parses to the expected kind (object or array) or when the body ends before its
/// Content-Length. Reading by hand rather than
/// binding lets every wrong type be reported on its field instead of as a binder exception.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    public static async Task<(JsonElement Root, IResult? Refused)> ReadAsync(HttpRequest request, CancellationToken ct,
        JsonValueKind expected = JsonValueKind.Object)
    {
        if (!request.HasJsonContentType())
            return (default, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "error.jsonRequired"));
        if (request.ContentLength > MaxBytes) return (default, Problems.Status(StatusCodes.Status413PayloadTooLarge, "error.bodyTooLarge"));
        // Read into a pooled buffer sized from Content-Length (a registration is a few hundred bytes): under a rush every
        // request's copy of its body was an 8 KB chunk zeroed, a growing stream and one more copy for the parser.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength + 1 ?? 4096, 64, MaxBytes + 1));
        try
        {
            var length = 0;
            try
            {
                int read;
                while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
                {
                    length += read;
                    if (length > MaxBytes) return (default, Problems.Status(StatusCodes.Status413PayloadTooLarge, "error.bodyTooLarge"));
                    if (length == buffer.Length) buffer = Grow(buffer);
                }
            }
            catch (BadHttpRequestException bad)
            {
                // The body ended before its Content-Length, or came too slowly: the client's doing, not an error of ours.
                return (default, Problems.Status(bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "error.bodyTooLarge" : "error.malformedJson"));
            }
            // The document reads the pooled buffer in place; the root is cloned out of it before the buffer goes back.
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 8 });
            return document.RootElement.ValueKind == expected
                ? (document.RootElement.Clone(), null)
                : (default, Problems.Status(StatusCodes.Status400BadRequest, "error.malformedJson"));
        }
        catch (JsonException)
        {
            return (default, Problems.Status(StatusCodes.Status400BadRequest, "error.malformedJson"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);   // it held a person's details
        }
    }

    /// <summary>A pooled buffer twice as large (at most one byte over the limit) with the same bytes.</summary>
    static byte[] Grow(byte[] full)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(full.Length * 2, MaxBytes + 1));
        full.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(full, clearArray: true);
        return larger;
    }
}
