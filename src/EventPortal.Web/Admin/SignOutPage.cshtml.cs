using EventPortal.Web.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary><c>POST /admin/signout</c> (a form with anti-forgery; a GET must not sign anyone out).</summary>
public sealed class SignOutPageModel(Db db, TimeProvider clock) : PageModel
{
    public IActionResult OnGet() => Redirect("/admin/events");

    public async Task<IActionResult> OnPostAsync()
    {
        await Security.Sessions.SignOutAsync(HttpContext, db, clock.GetUtcNow().UtcDateTime);
        return Redirect("/admin/signin");
    }
}
