using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace EventPortal.Web.Shared;

/// <summary>
/// Two things a client can send that Razor Pages would otherwise answer with a 500 (both
/// found by the generated hostile-input test, tests/EventPortal.Tests/Proof):
/// <list type="bullet">
/// <item>a request that no handler of a page takes (<c>POST /events/{slug}</c>, a made-up
/// <c>/r/{token}/{handler}</c>): Razor Pages would render the page without running any handler,
/// on a model that was never loaded. Such a request now gets 404 for a named handler the page
/// does not have, 405 otherwise.</item>
/// <item>a form field name with an unclosed bracket (<c>a[b</c>): MVC's jQuery-style form value
/// provider throws on it while binding. Nothing here uses jQuery's <c>a[b][c]</c> names (forms are
/// read by name from <c>Request.Form</c>, or bound from MVC's own names like <c>Form.TicketTypes[0].Code</c>,
/// which the standard form value provider reads), so that provider is removed.</item>
/// </list>
/// </summary>
public static class PageGuards
{
    public static IServiceCollection AddPageGuards(this IServiceCollection services) =>
        services.Configure<MvcOptions>(o =>
        {
            o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
            o.Filters.Add(new NoHandlerFilter());
        });

    sealed class NoHandlerFilter : IPageFilter
    {
        public void OnPageHandlerSelected(PageHandlerSelectedContext context) { }

        public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
        {
            if (context.HandlerMethod is not null || context.ActionDescriptor.HandlerMethods.Count == 0) return;
            // The error page re-executed for a PUT or PATCH keeps the status it was called for.
            if (context.HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null
                || context.HttpContext.Features.Get<IExceptionHandlerFeature>() is not null) return;
            context.Result = context.RouteData.Values.TryGetValue("handler", out var handler) && handler is string { Length: > 0 }
                ? new NotFoundResult()
                : new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
        }

        public void OnPageHandlerExecuted(PageHandlerExecutedContext context) { }
    }
}
