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
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                    return (default, Problems.Status(StatusCodes.Status413PayloadTooLarge, "error.bodyTooLarge"));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException bad)
        {
            // The body ended before its Content-Length, or came too slowly: the client's doing, not an error of ours.
            return (default, Problems.Status(bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "error.bodyTooLarge" : "error.malformedJson"));
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            return document.RootElement.ValueKind == expected
                ? (document.RootElement.Clone(), null)
                : (default, Problems.Status(StatusCodes.Status400BadRequest, "error.malformedJson"));
        }
        catch (JsonException)
        {
            return (default, Problems.Status(StatusCodes.Status400BadRequest, "error.malformedJson"));
        }
    }
}
