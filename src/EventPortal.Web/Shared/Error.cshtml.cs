using EventPortal.Web.Localization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Shared;

/// <summary>
/// Every error answer without a body of its own (404, 400, 413, 500…) comes here, by the
/// exception handler or the status-code pages: a page in the reader's language, or problem
/// details for the JSON API.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string TitleKey { get; private set; } = "error.generic";

    public IActionResult OnGet(int? status) => Handle(status);
    public IActionResult OnPost(int? status) => Handle(status);

    IActionResult Handle(int? status)
    {
        var code = Response.StatusCode is >= 400 ? Response.StatusCode : status is >= 400 and < 600 ? status.Value : 500;
        Response.StatusCode = code;
        TitleKey = code switch
        {
            404 => "error.notFound",
            400 => "error.badRequest",
            413 => "error.tooLarge",
            429 => "error.rateLimited",
            >= 500 => "error.server",
            _ => "error.generic",
        };
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath
            ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? "";
        if (original.StartsWith("/api/", StringComparison.Ordinal))
            return new ObjectResult(new ProblemDetails { Status = code, Title = Text.Get(TitleKey, Text.Current) })
            { StatusCode = code, ContentTypes = { "application/problem+json" } };
        return Page();
    }
}
