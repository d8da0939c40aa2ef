using System.Net;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Admin;
using EventPortal.Web.Admin.Security;

namespace EventPortal.Tests.Admin;

/// <summary>
/// Console sessions live in the database and end when revoked, at once; passwords from the bundled
/// list of common ones are refused wherever a password is set. Both engines.
/// </summary>
public abstract class SessionsAndPasswords
{
    protected abstract Task<PortalApp> StartAsync();

    [Fact]
    public async Task Sign_out_everywhere_else_ends_the_other_sessions_at_once_and_keeps_this_one()
    {
        await using var app = await StartAsync();
        using var laptop = await app.SignedInAsync();
        using var phone = app.Browser();
        phone.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone) TestPhone/1.0");
        Assert.Equal(HttpStatusCode.Redirect, (await phone.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword)).StatusCode);

        var list = await laptop.GetStringAsync("/admin/sessions");
        Assert.Contains("TestPhone/1.0", list);
        Assert.Contains("このセッション", list);
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admin_sessions WHERE revoked_at IS NULL"));

        var done = await laptop.SubmitAsync("/admin/sessions", "/admin/sessions", new Dictionary<string, string>());
        Assert.Equal("/admin/sessions?ended=1", done.Headers.Location!.OriginalString);
        Assert.StartsWith("/admin/signin", (await phone.GetAsync("/admin/events")).Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/admin/events")).StatusCode);
        Assert.DoesNotContain("TestPhone/1.0", await laptop.GetStringAsync("/admin/sessions"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'sessions.signout_others'"));
    }

    [Fact]
    public async Task A_copied_cookie_stops_working_when_its_session_signs_out_or_the_account_is_disabled()
    {
        await using var app = await StartAsync();
        var jar = new CookieContainer();
        using var browser = app.Browser(jar: jar);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword)).StatusCode);
        var cookie = jar.GetCookieHeader(app.BaseAddress);
        using var copy = app.Client();
        copy.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/admin/events")).StatusCode);

        await browser.SubmitAsync("/admin/events", "/admin/signout", new Dictionary<string, string>());
        Assert.StartsWith("/admin/signin", (await copy.GetAsync("/admin/events")).Headers.Location!.AbsolutePath);

        using var again = await app.SignedInAsync();
        await app.ExecuteAsync("UPDATE admins SET disabled_at = @now", new { now = DateTime.UtcNow });
        Assert.StartsWith("/admin/signin", (await again.GetAsync("/admin/events")).Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Common_passwords_are_refused_in_the_users_language_and_nothing_changes()
    {
        await using var app = await StartAsync();
        using var owner = await app.SignedInAsync();
        foreach (var (password, language, message) in new[]
        {
            ("password1234", "ja", "よく使われているため"),
            ("Qwerty123456", "ja", "よく使われているため"),
            ("ｐａｓｓｗｏｒｄ１２３４", "ja", "よく使われているため"),    // full width, as a Japanese IME types it
            ("iloveyou2024", "en", "one of the most common"),
        })
        {
            await owner.GetAsync($"/culture/{language}?returnUrl=/admin/accounts");
            var added = await owner.SubmitAsync("/admin/accounts", "/admin/accounts/add", new Dictionary<string, string>
            {
                ["email"] = "new@example.jp", ["role"] = "staff", ["password"] = password,
            });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, added.StatusCode);
            Assert.Contains(message, await added.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admins"));

        await owner.GetAsync("/culture/ja?returnUrl=/admin/security");
        var changed = await owner.ChangePasswordAsync(Organisers.OwnerPassword, "qwertyuiop123");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, changed.StatusCode);
        Assert.Contains("よく使われているため", await changed.Content.ReadAsStringAsync());
        var wrongCurrent = await owner.ChangePasswordAsync("not my password", "a fine new passphrase");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongCurrent.StatusCode);
        Assert.Contains("現在のパスワードが正しくありません", await wrongCurrent.Content.ReadAsStringAsync());
        using var stillOld = await app.SignedInAsync();   // nothing changed: the old password still works

        // Bootstrap settings are refused at start-up too, naming the setting.
        Assert.Contains(BootstrapOptions.Validate(new BootstrapOptions { AdminEmail = "a@example.jp", AdminPassword = "administrator123" }),
            m => m.Contains("EventPortal:Bootstrap:AdminPassword", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changing_the_password_ends_every_other_session()
    {
        await using var app = await StartAsync();
        using var here = await app.SignedInAsync();
        using var elsewhere = await app.SignedInAsync();
        var changed = await here.ChangePasswordAsync(Organisers.OwnerPassword, "a fine new passphrase");
        Assert.Equal("/admin/security?done=password", changed.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/admin/events")).StatusCode);
        Assert.StartsWith("/admin/signin", (await elsewhere.GetAsync("/admin/events")).Headers.Location!.AbsolutePath);
        using var withOld = app.Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await withOld.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword)).StatusCode);
        using var withNew = await app.SignedInAsync(Organisers.OwnerEmail, "a fine new passphrase");
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'password.change'"));
    }
}

public sealed class SessionsAndPasswordsOnSqlite : SessionsAndPasswords
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class SessionsAndPasswordsOnPostgres : SessionsAndPasswords
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}

/// <summary>The bundled list itself: large enough to matter, and free of the passphrases people are told to use.</summary>
public sealed class CommonPasswordListTests
{
    [Fact]
    public void The_list_holds_thousands_and_compares_after_width_and_case_folding()
    {
        Assert.InRange(Passwords.CommonCount, 3000, 50_000);
        Assert.True(Passwords.IsCommon("PASSWORD1234"));
        Assert.True(Passwords.IsCommon("ｑｗｅｒｔｙ１２３４５６"));
        Assert.False(Passwords.IsCommon(Organisers.OwnerPassword));
        Assert.Equal("admin.passwordTooShort", Passwords.Problem("short"));
        Assert.Equal("admin.passwordCommon", Passwords.Problem("1234567890123"));
        Assert.Null(Passwords.Problem("a fine new passphrase"));
    }
}
