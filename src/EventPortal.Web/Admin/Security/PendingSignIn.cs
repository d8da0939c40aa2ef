using System.Security.Claims;
using Dapper;
using EventPortal.Web.Data;
using Microsoft.AspNetCore.Authentication;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// Between the password and the second factor: a short-lived cookie of its own scheme
/// (<see cref="AdminAuth.PendingScheme"/>) that names the account and opens nothing but the
/// second step of sign-in (<c>/admin/signin/verify</c>). Wrong codes there count towards the
/// account's lock-out like wrong passwords.
/// </summary>
public static class PendingSignIn
{
    public static Task StartAsync(HttpContext context, Organiser who) =>
        context.SignInAsync(AdminAuth.PendingScheme,
            AdminAuth.Principal(AdminAuth.PendingScheme, who.Email, who.Role, who.Id));

    /// <summary>The account half signed in on this browser, when it may still finish: enabled and not locked.</summary>
    public static async Task<Organiser?> WhoAsync(HttpContext context, Db db, DateTime now, CancellationToken ct)
    {
        var pending = await context.AuthenticateAsync(AdminAuth.PendingScheme);
        if (!pending.Succeeded || !long.TryParse(pending.Principal.FindFirstValue("admin_id"), out var id)) return null;
        await using var connection = await db.OpenAsync(ct);
        var who = await connection.QuerySingleOrDefaultAsync<Organiser>(new CommandDefinition(
            "SELECT id, email, name, role, failed_sign_ins, locked_until, disabled_at FROM admins WHERE id = @id",
            new { id }, cancellationToken: ct));
        return who is null || who.DisabledAt is not null || who.LockedUntil > now ? null : who;
    }

    /// <summary>The second factor was right: the half sign-in becomes a console session.</summary>
    public static async Task CompleteAsync(HttpContext context, Db db, Organiser who, string factor, DateTime now)
    {
        await context.SignOutAsync(AdminAuth.PendingScheme);
        await db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition(
            "UPDATE admins SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = @now WHERE id = @Id",
            new { who.Id, now }, tx)), CancellationToken.None);
        await Sessions.SignInAsync(context, db, who, factor, now);
        await Audit.RecordAsync(db, context, "signin", who.Email, factor, now, actor: who.Email);
    }

    /// <summary>A wrong second factor: counted like a wrong password; the fifth in a row locks the account.</summary>
    public static async Task FailAsync(HttpContext context, Db db, Organiser who, string factor, DateTime now)
    {
        await db.WriteAsync(async (c, tx) =>
        {
            await Accounts.CountFailureAsync(c, tx, who.Id, now, CancellationToken.None);
            return 0;
        }, CancellationToken.None);
        await Audit.RecordAsync(db, context, "signin.failed", who.Email, factor, now, actor: "anonymous");
    }
}
