using EventPortal.Web.Admin.Security;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>/admin/setup</c>: on a fresh install without <c>EventPortal:Bootstrap</c>, the first person
/// creates the owner account. Once any organiser exists the page is gone (404), and a claim
/// in <c>app_state</c> makes two people racing for it end with one owner.
/// </summary>
[AllowAnonymous]
public sealed class SetupPageModel(Db db, TimeProvider clock) : PageModel
{
    public List<(string Field, string Key)> Errors { get; } = [];
    public string? Email { get; private set; }
    public string? Name { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await Accounts.AnyAsync(db, ct) ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await Accounts.AnyAsync(db, ct)) return NotFound();
        Email = EmailAddress.Clean(Request.Form["email"].ToString());
        Name = Request.Form["name"].ToString().Trim();
        var password = Request.Form["password"].ToString();
        if (!EmailAddress.IsValid(Email)) Errors.Add(("email", "error.email"));
        if (Name.Length > 100 || !RegistrationValidator.IsCleanText(Name, multiline: false)) Errors.Add(("name", "error.badCharacters"));
        if (Passwords.Problem(password) is { } problem) Errors.Add(("password", problem));
        if (password != Request.Form["passwordConfirmation"].ToString()) Errors.Add(("passwordConfirmation", "admin.passwordMismatch"));
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var created = await db.WriteAsync(async (c, tx) =>
        {
            if (!await AppState.ClaimAsync(c, tx, "setup_done", Email, ct)) return false;
            await Accounts.InsertAsync(c, tx, Email, Name, "owner", password, now, ct);
            await Audit.WriteAsync(c, tx, HttpContext, "account.setup", Email, "owner", now, ct);
            return true;
        }, ct);
        if (!created) return NotFound();
        var (_, who) = await Accounts.SignInAsync(db, Email, password, now, ct);
        await Sessions.SignInAsync(HttpContext, db, who!, "", now);
        return Redirect("/admin/events");
    }
}
