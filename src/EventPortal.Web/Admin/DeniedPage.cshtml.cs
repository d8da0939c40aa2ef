using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary><c>/admin/denied</c>: signed in, but the role does not allow it (staff on an owner page).</summary>
public sealed class DeniedPageModel : PageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
