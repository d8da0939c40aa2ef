using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// When the owner requires a second factor, an organiser without one can use only the security
/// page (to enrol one) and sign out: every other console page sends them there. The session
/// check (<see cref="Sessions.Validation"/>) marks such a session on every request, so the
/// rule applies at once to sessions that began before the owner switched it on.
/// </summary>
public sealed class SecondFactorGate : IAsyncPageFilter
{
    /// <summary>The pages an organiser may open while enrolment is owed.</summary>
    static readonly string[] Open = ["/Admin/Security/SecurityPage", "/Admin/SignOutPage"];

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var path = context.ActionDescriptor.ViewEnginePath;
        if (context.HttpContext.User.HasClaim(Sessions.NeedsSecondFactorClaim, "true")
            && path.StartsWith("/Admin/", StringComparison.Ordinal) && !Open.Contains(path))
        {
            context.Result = new RedirectResult("/admin/security");
            return;
        }
        await next();
    }
}
