using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

public sealed class IndexPageModel : PageModel
{
    public IActionResult OnGet() => Redirect("/admin/events");
}
