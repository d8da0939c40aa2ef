using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Xml.Linq;
using Dapper;
using EventPortal.Web.Data;
using EventPortal.Web.Registrations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Admin;

/// <summary>Settings under <c>EventPortal:Bootstrap</c>: the first organiser and API token, created when none exists.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "EventPortal:Bootstrap";
    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }
    public string? ApiToken { get; set; }

    public static IEnumerable<string> Validate(BootstrapOptions o)
    {
        if (string.IsNullOrEmpty(o.AdminEmail) != string.IsNullOrEmpty(o.AdminPassword))
            yield return "EventPortal:Bootstrap:AdminEmail and EventPortal:Bootstrap:AdminPassword go together: set both or neither.";
        if (o.AdminPassword is { Length: > 0 and < Accounts.MinPasswordLength })
            yield return $"EventPortal:Bootstrap:AdminPassword must be at least {Accounts.MinPasswordLength} characters.";
        else if (o.AdminPassword is { Length: > 0 } && Security.Passwords.IsCommon(o.AdminPassword))
            yield return "EventPortal:Bootstrap:AdminPassword is one of the most common passwords: choose another.";
        if (o.ApiToken is { Length: > 0 and < 32 })
            yield return "EventPortal:Bootstrap:ApiToken must be at least 32 characters.";
    }
}

/// <summary>
/// Who may do what on the organiser side: a cookie for the console under /admin, a bearer
/// token for /api/admin, two roles (owner: everything including accounts; staff: events and
/// registrations). Policies are set once here and applied to whole folders and groups in
/// Program.cs, so a new page or endpoint is closed unless someone opens it on purpose.
/// </summary>
public static class AdminAuth
{
    public const string CookieScheme = "OrganiserCookie";
    /// <summary>
    /// Password right, second factor still owed: opens only <c>/admin/signin/verify</c> (<see cref="Security.PendingSignIn"/>).
    /// </summary>
    public const string PendingScheme = "OrganiserPending";
    public const string TokenScheme = "OrganiserToken";
    public const string Staff = "Staff";
    public const string Owner = "Owner";
    public const string ApiStaff = "ApiStaff";

    public static IServiceCollection AddOrganiserAuth(this IServiceCollection services)
    {
        services.AddAuthentication(CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = ".EventPortal.Organiser";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/admin/signin";
                o.LogoutPath = "/admin/signout";
                o.AccessDeniedPath = "/admin/denied";
                o.ExpireTimeSpan = Security.Sessions.IdleTimeout;
                o.SlidingExpiration = true;
                // Each request checks its session row: revocable at once, on every instance.
                o.EventsType = typeof(Security.Sessions.Validation);
            })
            .AddCookie(PendingScheme, o =>
            {
                o.Cookie.Name = ".EventPortal.SignIn";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/admin/signin";
                o.ExpireTimeSpan = TimeSpan.FromMinutes(10);
                o.SlidingExpiration = false;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(TokenScheme, null);
        services.AddSingleton<Security.Sessions.Validation>();
        services.AddSingleton<Security.Passkeys>();
        services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(o => o.Filters.Add(new Security.SecondFactorGate()));
        services.AddAuthorizationBuilder()
            .AddPolicy(Staff, p => p.AddAuthenticationSchemes(CookieScheme).RequireRole("owner", "staff"))
            .AddPolicy(Owner, p => p.AddAuthenticationSchemes(CookieScheme).RequireRole("owner"))
            .AddPolicy(ApiStaff, p => p.AddAuthenticationSchemes(TokenScheme).RequireRole("owner", "staff"));
        // Keys in the database: cookies survive restarts and work on every instance.
        services.AddDataProtection().SetApplicationName("EventPortal");
        services.AddOptions<KeyManagementOptions>().Configure<Db>((o, db) => o.XmlRepository = new DbXmlRepository(db));
        return services;
    }

    public static ClaimsPrincipal Principal(string scheme, string name, string role, long? adminId) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, name),
            new Claim(ClaimTypes.Role, role),
            new Claim("admin_id", adminId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        ], scheme));

    /// <summary><c>Authorization: Bearer &lt;token&gt;</c> against the hashed, unrevoked rows of <c>api_tokens</c>.</summary>
    sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Db db)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
            var token = header["Bearer ".Length..].Trim();
            if (token.Length is < 16 or > 512) return AuthenticateResult.Fail("malformed token");
            await using var connection = await db.OpenAsync(Context.RequestAborted);
            var t = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
                "SELECT id, name, admin_id FROM api_tokens WHERE token_hash = @hash AND revoked_at IS NULL",
                new { hash = Tokens.Hash(token) }, cancellationToken: Context.RequestAborted));
            if (t is null) return AuthenticateResult.Fail("unknown or revoked token");
            var principal = Principal(TokenScheme, "api:" + t.Name, "staff", t.AdminId);
            return AuthenticateResult.Success(new AuthenticationTicket(principal, TokenScheme));
        }
    }

    sealed class TokenRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public long? AdminId { get; init; }
    }

    /// <summary>The data-protection key ring in <c>data_protection_keys</c>.</summary>
    sealed class DbXmlRepository(Db db) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
            return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY id").Select(XElement.Parse).ToList();
        }

        public void StoreElement(XElement element, string friendlyName) =>
            db.WriteAsync((c, tx) => c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@friendlyName, @xml)
                ON CONFLICT (friendly_name) DO NOTHING
                """, new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) }, tx)), CancellationToken.None)
                .GetAwaiter().GetResult();
    }
}
