using Microsoft.OpenApi;

namespace EventPortal.Web.ApiDocs;

/// <summary>The OpenAPI metadata the API's endpoints share: metadata only, nothing here changes what an endpoint does.</summary>
public static class EndpointDocs
{
    /// <summary>
    /// A JSON body read by hand (Shared/JsonBody.cs) rather than bound, described by <typeparamref name="T"/>, with the
    /// answers that reading gives: 400 unparseable, 413 over 64 kB, 415 not JSON, 422 a problem naming each wrong field.
    /// </summary>
    public static RouteHandlerBuilder ReadsJson<T>(this RouteHandlerBuilder endpoint) where T : notnull =>
        endpoint.Accepts<T>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>An endpoint about one event, answering 404 when there is no event of that slug.</summary>
    public static RouteHandlerBuilder OfEvent(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>Optional string parameters the handler reads from the query string itself (so nothing infers them).</summary>
    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder endpoint, params (string Name, string Description)[] parameters) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in parameters)
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name, In = ParameterLocation.Query, Description = description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            return Task.CompletedTask;
        });
}
