using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventPortal.Tests.Infrastructure;
using static EventPortal.Tests.Infrastructure.SecondFactorSteps;

namespace EventPortal.Tests.Admin;

/// <summary>
/// The second factor at sign-in, through HTTP on both engines, with the app's clock fixed so every
/// TOTP code is known: the authenticator app, recovery codes used once each, and the owner's
/// setting that every account must have a second factor.
/// </summary>
public abstract class SecondFactors
{
    /// <summary>Five seconds into a 30-second step: a code and its neighbours are exactly known.</summary>
    protected static readonly DateTimeOffset Start = new(2027, 3, 1, 1, 0, 5, TimeSpan.Zero);

    protected abstract Task<PortalApp> StartAsync(TestClock clock);

    [Fact]
    public async Task With_an_authenticator_app_sign_in_needs_a_right_code_and_each_code_works_once()
    {
        var clock = new TestClock(Start);
        await using var app = await StartAsync(clock);
        using (var owner = await app.SignedInAsync())
        {
            var enrolled = await owner.EnrolTotpAsync(clock.Now);
            Assert.Equal(10, enrolled.RecoveryCodes.Count);
        }
        var secret = await app.QueryOneAsync<string>("SELECT secret FROM admin_totp");
        // The code that confirmed the setup is spent: signing in needs the next one.
        clock.Now = clock.Now.AddSeconds(30);

        using var browser = app.Browser();
        var password = await browser.PasswordAsync();
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.Equal("/admin/signin/verify", password.Headers.Location!.OriginalString);
        // The password alone opens nothing.
        Assert.StartsWith("/admin/signin", (await browser.GetAsync("/admin/events")).Headers.Location!.AbsolutePath);

        var wrong = await browser.TotpStepAsync(WrongCode(secret, clock.Now));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("コードが正しくないか", await wrong.Content.ReadAsStringAsync());

        var right = await browser.TotpStepAsync(Code(secret, clock.Now));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/admin/events", right.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/events")).StatusCode);

        // The same code again, from another browser, within its 30 seconds: refused.
        using var replay = app.Browser();
        await replay.PasswordAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.TotpStepAsync(Code(secret, clock.Now))).StatusCode);
        // The next step's code works; full-width digits from a Japanese IME count as digits.
        clock.Now = clock.Now.AddSeconds(30);
        var fullWidth = new string(Code(secret, clock.Now).Select(ch => (char)(ch - '0' + '０')).ToArray());
        Assert.Equal(HttpStatusCode.Redirect, (await replay.TotpStepAsync(fullWidth)).StatusCode);

        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'totp.enrol'"));
        Assert.Equal(2, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'signin' AND detail = 'totp'"));
    }

    [Fact]
    public async Task Each_recovery_code_signs_in_once_and_new_codes_replace_the_old()
    {
        var clock = new TestClock(Start);
        await using var app = await StartAsync(clock);
        using var owner = await app.SignedInAsync();
        var codes = (await owner.EnrolTotpAsync(clock.Now)).RecoveryCodes;

        using var first = app.Browser();
        await first.PasswordAsync();
        // As typed from paper: capitals and spaces instead of hyphens.
        Assert.Equal(HttpStatusCode.Redirect, (await first.RecoveryStepAsync(codes[0].ToUpperInvariant().Replace('-', ' '))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/admin/events")).StatusCode);

        using var again = app.Browser();
        await again.PasswordAsync();
        var used = await again.RecoveryStepAsync(codes[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, used.StatusCode);
        Assert.Contains("リカバリーコードが正しくないか", await used.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'recovery.used'"));
        Assert.Equal(9, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admin_recovery_codes WHERE used_at IS NULL"));

        var regenerated = await owner.SubmitAsync("/admin/security", "/admin/security/recovery", new Dictionary<string, string>());
        var fresh = RecoveryCodesIn(await regenerated.Content.ReadAsStringAsync());
        Assert.Equal(10, fresh.Count);
        Assert.Empty(fresh.Intersect(codes));
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.RecoveryStepAsync(codes[1])).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await again.RecoveryStepAsync(fresh[1])).StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'recovery.regenerate'"));
    }

    [Fact]
    public async Task When_the_owner_requires_a_second_factor_an_account_without_one_can_only_enrol()
    {
        var clock = new TestClock(Start);
        await using var app = await StartAsync(clock);
        using var owner = await app.SignedInAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync("/admin/accounts", "/admin/accounts/add",
            new Dictionary<string, string> { ["email"] = "staff@example.jp", ["role"] = "staff", ["password"] = "another long password" }))
            .StatusCode);
        // Setting off (the default): a staff account without a second factor signs in with its password alone.
        using (var before = await app.SignedInAsync("staff@example.jp", "another long password"))
            Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("/admin/events")).StatusCode);

        // The owner cannot require what they do not have themselves.
        var refused = await owner.SubmitAsync("/admin/accounts", "/admin/accounts/secondFactor",
            new Dictionary<string, string> { ["required"] = "true" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("ご自身のアカウントに2段階認証を設定", await refused.Content.ReadAsStringAsync());
        await owner.EnrolTotpAsync(clock.Now);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync("/admin/accounts", "/admin/accounts/secondFactor",
            new Dictionary<string, string> { ["required"] = "true" })).StatusCode);

        using var staff = app.Browser();
        var signedIn = await staff.PasswordAsync("staff@example.jp", "another long password");
        Assert.Equal("/admin/security", signedIn.Headers.Location!.OriginalString);
        foreach (var elsewhere in new[] { "/admin/events", "/admin/outbox", "/admin/sessions", "/admin/events/new" })
            Assert.Equal("/admin/security", (await staff.GetAsync(elsewhere)).Headers.Location?.OriginalString);
        Assert.Contains("2段階認証が必須です", await staff.GetStringAsync("/admin/security"));

        await staff.EnrolTotpAsync(clock.Now);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/admin/events")).StatusCode);
        Assert.Equal(1, await app.QueryOneAsync<int>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'setting.second_factor' AND target = 'required'"));
    }

    [Fact]
    public async Task Removing_the_last_factor_drops_the_recovery_codes_and_the_password_alone_signs_in_again()
    {
        var clock = new TestClock(Start);
        await using var app = await StartAsync(clock);
        using var owner = await app.SignedInAsync();
        await owner.EnrolTotpAsync(clock.Now);
        var removed = await owner.SubmitAsync("/admin/security", "/admin/security/totpRemove", new Dictionary<string, string>());
        Assert.Equal("/admin/security?done=totpRemoved", removed.Headers.Location!.OriginalString);
        Assert.Contains("認証アプリを解除しました", await owner.GetStringAsync("/admin/security?done=totpRemoved"));
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admin_recovery_codes"));
        Assert.Equal(1, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'totp.remove'"));
        using var again = app.Browser();
        Assert.Equal("/admin/events", (await again.PasswordAsync()).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Bad_second_factor_input_gets_a_clear_answer_changes_nothing_and_five_lock_the_account()
    {
        var clock = new TestClock(Start);
        await using var app = await StartAsync(clock);
        using var owner = await app.SignedInAsync();
        // A tampered setup key is refused, and no authenticator app is stored.
        var tampered = await owner.SubmitAsync("/admin/security", "/admin/security/totpConfirm",
            new Dictionary<string, string> { ["secret"] = "CfDJ8tampered", ["code"] = "123456" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tampered.StatusCode);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admin_totp"));
        // A passkey answer that is not one: 422 with a message, nothing stored.
        var page = await owner.GetStringAsync("/admin/security");
        var bogus = await owner.PostJsonFromAsync(page, "/admin/security/passkeyAdd", "{\"id\":\"x\",\"rawId\":\"!!\",\"response\":{}}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bogus.StatusCode);
        var problem = await bogus.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("パスキーを登録できませんでした", problem.GetProperty("error").GetString());
        // The same after a real start: well-formed JSON around bytes that are no attestation.
        var options = await owner.PostJsonFromAsync(page, "/admin/security/passkeyOptions", "{}");
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        Assert.Contains("\"challenge\"", await options.Content.ReadAsStringAsync());
        var forged = await owner.PostJsonFromAsync(page, "/admin/security/passkeyAdd", """
            {"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"attestationObject":"oWNmbXRkbm9uZQ","clientDataJSON":"e30"}}
            """);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, forged.StatusCode);
        Assert.Equal(0, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM admin_passkeys"));

        var secret = (await owner.EnrolTotpAsync(clock.Now)).Secret;
        using var browser = app.Browser();
        // No half sign-in yet: the second step sends the browser back to the first.
        Assert.Equal("/admin/signin", (await browser.GetAsync("/admin/signin/verify")).Headers.Location!.OriginalString);
        await browser.PasswordAsync();
        string[] hostile = ["", "12345", "1234567", "abcdef", "１２３", new string('9', 5000), "\u0000\u202e", "' OR 1=1 --"];
        foreach (var value in hostile.Take(4))
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.TotpStepAsync(value)).StatusCode);
        var passkeyPage = await browser.GetStringAsync("/admin/signin/verify");
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await browser.PostJsonFromAsync(passkeyPage, "/admin/signin/verify/passkey", "{not json")).StatusCode);
        // That was the fifth failure in a row: the account is locked, even for the right code.
        var locked = await browser.PostFromAsync(passkeyPage, "/admin/signin/verify/totp",
            new Dictionary<string, string> { ["code"] = Code(secret, clock.Now) });
        Assert.Equal("/admin/signin", locked.Headers.Location!.OriginalString);
        Assert.StartsWith("/admin/signin", (await browser.GetAsync("/admin/events")).Headers.Location!.AbsolutePath);
        Assert.Equal(5, await app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'signin.failed'"));

        clock.Now = clock.Now.AddMinutes(16);
        using var later = app.Browser();
        await later.PasswordAsync();
        foreach (var value in hostile.Skip(4))
        {
            // A NUL in a form is refused as a bad request before any page sees it (as everywhere in the app).
            var status = (await later.TotpStepAsync(value)).StatusCode;
            Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"{value.Length} chars: {(int)status}");
        }
        Assert.Equal("/admin/events", (await later.TotpStepAsync(Code(secret, clock.Now))).Headers.Location!.OriginalString);
    }
}

public sealed class SecondFactorsOnSqlite : SecondFactors
{
    protected override Task<PortalApp> StartAsync(TestClock clock) =>
        PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap(), clock: clock);
}

public sealed class SecondFactorsOnPostgres : SecondFactors
{
    protected override Task<PortalApp> StartAsync(TestClock clock) =>
        PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap(), clock: clock);
}
