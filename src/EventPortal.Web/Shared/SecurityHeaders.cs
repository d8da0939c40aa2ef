namespace EventPortal.Web.Shared;

public static class SecurityHeaders
{
    public const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The <c>HttpContext.Items</c> key under which an endpoint may put a policy of its own for its answer. Only the API
    /// reference page does (ApiDocs/ApiDocs.cs): a third-party page that needs its own inline script and styles.
    /// </summary>
    public const string PolicyOverride = "EventPortal.ContentSecurityPolicy";

    /// <summary>
    /// Headers on every answer: a Content-Security-Policy that allows no inline script or style
    /// and nothing from other origins (the pages need none), no framing (clickjacking), no
    /// MIME sniffing, and a Referer that never carries our paths to other sites. Pages that
    /// show a personal token tighten the referrer further themselves.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = context.Items[PolicyOverride] as string ?? Policy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                if (!headers.ContainsKey("Referrer-Policy")) headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                return Task.CompletedTask;
            });
            await next();
        });
}
