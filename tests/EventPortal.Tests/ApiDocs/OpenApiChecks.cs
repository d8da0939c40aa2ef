using System.Net;
using System.Text.Json.Nodes;
using EventPortal.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace EventPortal.Tests.ApiDocs;

/// <summary>
/// The app's OpenAPI document read with Microsoft.OpenApi's own reader, and real answers held against it: a status the
/// operation does not declare, or a JSON property the declared schema lacks (or declares but the answer lacks), fails.
/// </summary>
public static class OpenApiChecks
{
    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>The document as an anonymous client gets it, read and validated; its reader's and validator's errors fail.</summary>
    public static async Task<(OpenApiDocument Document, string Json)> ReadAsync(PortalApp app)
    {
        using var client = app.Client();
        var response = await client.GetAsync(DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = await response.Content.ReadAsStringAsync();
        var read = OpenApiDocument.Parse(json, "json");
        Assert.True(read.Diagnostic?.Errors.Count == 0, "reading: " + string.Join("; ", read.Diagnostic!.Errors));
        Assert.NotNull(read.Document);
        var invalid = read.Document.Validate(ValidationRuleSet.GetDefaultRuleSet()).ToList();
        Assert.True(invalid.Count == 0, "validating: " + string.Join("; ", invalid));
        return (read.Document, json);
    }

    public static OpenApiOperation Operation(OpenApiDocument document, HttpMethod method, string path)
    {
        Assert.True(document.Paths.TryGetValue(path, out var item), $"{path} is not in the document");
        OpenApiOperation? operation = null;
        Assert.True(item.Operations?.TryGetValue(method, out operation) == true, $"{method} {path} is not in the document");
        return operation!;
    }

    /// <summary>The request's JSON has only properties the operation's request schema declares.</summary>
    public static void Request(OpenApiDocument document, HttpMethod method, string path, JsonNode body)
    {
        var schema = Operation(document, method, path).RequestBody?.Content?["application/json"].Schema;
        Assert.NotNull(schema);
        Compare(schema, body, $"{method} {path} request", exact: false);
    }

    /// <summary>The answer's status is declared, with its media type, and its JSON has exactly the declared schema's properties.</summary>
    public static async Task<JsonNode?> AnswerAsync(OpenApiDocument document, HttpMethod method, string path, HttpResponseMessage response)
    {
        var operation = Operation(document, method, path);
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        IOpenApiResponse? declared = null;
        Assert.True(operation.Responses?.TryGetValue(status, out declared) == true, $"{method} {path} answered {status}, undeclared");
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Length == 0) return null;   // a 401 or 403 from the token check has no body
        var content = declared!.Content;
        Assert.True(content?.ContainsKey(mediaType) == true, $"{method} {path} {status} answered {mediaType}, undeclared");
        if (mediaType is not ("application/json" or "application/problem+json")) return null;
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        // Problem details carry extensions (traceId, errors); the declared ones (ProblemDetails, HttpValidationProblemDetails)
        // are ASP.NET Core's own types, so only that a 422 names fields in "errors" is checked, not every property.
        if (mediaType == "application/problem+json")
            Assert.True(status != "422" || body?["errors"] is JsonObject, $"{method} {path} 422 without errors: {body}");
        else Compare(content![mediaType].Schema!, body, $"{method} {path} {status}", exact: true);
        return body;
    }

    /// <summary>
    /// Objects by their property names, arrays item by item, primitives by JSON kind; <paramref name="exact"/> requires every
    /// declared property to be present too (the app writes nulls, so an answer has them all; a request may leave some out).
    /// </summary>
    static void Compare(IOpenApiSchema schema, JsonNode? node, string at, bool exact)
    {
        if (node is null)
        {
            Assert.True(schema.Type is null || schema.Type.Value.HasFlag(JsonSchemaType.Null) || Nullable(schema),
                $"{at}: null where {schema.Type} is declared");
            return;
        }
        schema = NonNull(schema);
        var type = schema.Type ?? 0;
        switch (node)
        {
            case JsonObject o when schema.Properties is { Count: > 0 } properties:
                var undeclared = o.Select(p => p.Key).Except(properties.Keys).ToList();
                Assert.True(undeclared.Count == 0, $"{at}: undeclared {string.Join(", ", undeclared)}");
                if (exact)
                {
                    var missing = properties.Keys.Except(o.Select(p => p.Key)).ToList();
                    Assert.True(missing.Count == 0, $"{at}: declared but not answered {string.Join(", ", missing)}");
                }
                foreach (var (name, value) in o) Compare(properties[name], value, $"{at}.{name}", exact);
                break;
            case JsonObject:
                Assert.True(schema.Type is null || type.HasFlag(JsonSchemaType.Object), $"{at}: an object where {type} is declared");
                break;
            case JsonArray a:
                Assert.True(type.HasFlag(JsonSchemaType.Array) && schema.Items is not null, $"{at}: an array where {type} is declared");
                var i = 0;
                foreach (var item in a) Compare(schema.Items!, item, $"{at}[{i++}]", exact);
                break;
            case JsonValue v:
                var kind = v.GetValueKind();
                var expected = kind switch
                {
                    System.Text.Json.JsonValueKind.String => JsonSchemaType.String,
                    System.Text.Json.JsonValueKind.Number => JsonSchemaType.Number | JsonSchemaType.Integer,
                    _ => JsonSchemaType.Boolean,
                };
                // A number may be declared as a string pattern too (ASP.NET Core's schema for int allows "123"): any overlap is fine.
                Assert.True(schema.Type is null || (type & expected) != 0, $"{at}: {kind} where {type} is declared");
                break;
        }
    }

    /// <summary>A nullable reference is declared as <c>oneOf: [null, $ref]</c>: the non-null branch.</summary>
    static IOpenApiSchema NonNull(IOpenApiSchema schema) =>
        schema.OneOf is { Count: > 0 } choices && choices.FirstOrDefault(c => c.Type != JsonSchemaType.Null) is { } other ? other : schema;

    static bool Nullable(IOpenApiSchema schema) => schema.OneOf?.Any(c => c.Type == JsonSchemaType.Null) == true;
}
