using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary><c>POST /admin/signout</c> (a form with anti-forgery; a GET must not sign anyone out).</summary>
public sealed class SignOutPageModel : PageModel
{
    public IActionResult OnGet() => Redirect("/admin/events");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(AdminAuth.CookieScheme);
        return Redirect("/admin/signin");
    }
}
