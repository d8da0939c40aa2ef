using EventPortal.Web.Localization;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Shared;

/// <summary>RFC 7807 problem answers for the JSON API, with titles in the caller's language.</summary>
public static class Problems
{
    public static IResult Status(int status, string titleKey, string? detailKey = null) =>
        Results.Problem(statusCode: status, title: Text.Get(titleKey, Text.Current),
            detail: detailKey is null ? null : Text.Get(detailKey, Text.Current));

    /// <param name="status">422, or 409 when the values are fine but clash with another record (an address in use).</param>
    public static IResult Validation(IEnumerable<FieldError> errors, int status = StatusCodes.Status422UnprocessableEntity) =>
        Results.ValidationProblem(Localize(errors), statusCode: status,
            title: Text.Get("error.validationTitle", Text.Current));

    public static Dictionary<string, string[]> Localize(IEnumerable<FieldError> errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(Message).ToArray());

    public static string Message(FieldError e) =>
        string.Format(System.Globalization.CultureInfo.CurrentCulture, Text.Get(e.Key, Text.Current), e.Args);
}
