using Microsoft.AspNetCore.Antiforgery;

namespace EventPortal.Web.Shared;

public static class Errors
{
    /// <summary>
    /// What a client caused is a 4xx, never a 500: a body over the limit (413), a form value
    /// over the limit or a broken multipart body (400), a failed anti-forgery check (400).
    /// </summary>
    public static int StatusFor(Exception e) => e switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        InvalidDataException => StatusCodes.Status400BadRequest,
        AntiforgeryValidationException => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };
}
