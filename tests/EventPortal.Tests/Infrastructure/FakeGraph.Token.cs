using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.AspNetCore.Http;

namespace EventPortal.Tests.Infrastructure;

/// <summary>
/// The Microsoft identity platform side of the fake Graph: <c>POST /{tenant}/oauth2/v2.0/token</c>
/// (client credentials, form-encoded) → <c>{token_type, expires_in, ext_expires_in, access_token}</c>;
/// a wrong secret → 401 invalid_client; an unknown client → 400 unauthorized_client (AADSTS700016);
/// a missing field → 400 invalid_request; an unknown tenant → 400 invalid_request (AADSTS90002).
/// <c>GET /common/discovery/instance</c> and <c>GET /{tenant}/v2.0/.well-known/openid-configuration</c>
/// answer in case MSAL asks (with <c>DisableInstanceDiscovery</c> it does not). Every Graph call
/// must then carry one of the tokens issued here.
/// </summary>
public sealed partial class FakeGraph
{
    public const string GraphScope = "https://graph.microsoft.com/.default";
    /// <summary>Exchange Online, whose SMTP AUTH XOAUTH2 takes these tokens.</summary>
    public const string ExchangeScope = "https://outlook.office365.com/.default";

    /// <summary>Each issued token and the scope it was issued for: Graph accepts only its own.</summary>
    readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    /// <summary>
    /// Tokens issued for <see cref="ExchangeScope"/> are also appended here, one per line: the test SMTP
    /// server (<see cref="SmtpServerOptions.XOAuth2"/>) accepts those and no others, as Exchange Online would.
    /// </summary>
    public string ExchangeTokenFile { get; } = Path.GetTempFileName();
    int _tokenRequests, _tokensIssued;

    /// <summary>Calls to the token endpoint, answered or refused.</summary>
    public int TokenRequests { get { lock (_gate) return _tokenRequests; } }
    public int TokensIssued { get { lock (_gate) return _tokensIssued; } }

    /// <summary>
    /// A ClientSecretCredential against this fake: trusts its certificate and skips instance
    /// discovery (for a host MSAL does not know it would otherwise ask login.microsoftonline.com).
    /// </summary>
    public TokenCredential CreateCredential(string? clientSecret = null, string? clientId = null) =>
        new ClientSecretCredential(TenantId, clientId ?? ClientId, clientSecret ?? ClientSecret, new ClientSecretCredentialOptions
        {
            AuthorityHost = new Uri(AuthorityHost),
            Transport = new HttpClientTransport(CreateTrustingHandler()),
            DisableInstanceDiscovery = true,
        });

    async Task TokenAsync(HttpContext context, string tenant)
    {
        lock (_gate) _tokenRequests++;
        if (!context.Request.HasFormContentType)
        {
            await AadErrorAsync(context, 400, "invalid_request",
                "AADSTS900144: The request body must contain the following parameter: 'grant_type'.", 900144);
            return;
        }
        var form = await context.Request.ReadFormAsync();
        if (!string.Equals(tenant, TenantId, StringComparison.OrdinalIgnoreCase))
        {
            await AadErrorAsync(context, 400, "invalid_request", $"AADSTS90002: Tenant '{tenant}' not found.", 90002);
            return;
        }
        foreach (var field in new[] { "grant_type", "client_id", "scope" })
            if (string.IsNullOrEmpty(form[field]))
            {
                await AadErrorAsync(context, 400, "invalid_request",
                    $"AADSTS900144: The request body must contain the following parameter: '{field}'.", 900144);
                return;
            }
        if (form["grant_type"] != "client_credentials")
        {
            await AadErrorAsync(context, 400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", 70003);
            return;
        }
        if (form["client_id"] != ClientId)
        {
            await AadErrorAsync(context, 400, "unauthorized_client",
                $"AADSTS700016: Application with identifier '{form["client_id"]}' was not found in the directory '{tenant}'.", 700016);
            return;
        }
        if (string.IsNullOrEmpty(form["client_secret"]))
        {
            await AadErrorAsync(context, 401, "invalid_client",
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", 7000218);
            return;
        }
        if (form["client_secret"] != ClientSecret)
        {
            await AadErrorAsync(context, 401, "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, " +
                $"not the client secret ID, for a secret added to app '{ClientId}'.", 7000215);
            return;
        }
        var scope = form["scope"].ToString();
        if (scope is not (GraphScope or ExchangeScope))
        {
            await AadErrorAsync(context, 400, "invalid_scope",
                $"AADSTS1002012: The provided value for scope {form["scope"]} is not valid. " +
                "Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
                1002012);
            return;
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        lock (_gate)
        {
            _tokens.Add(token, scope);
            _tokensIssued++;
            if (scope == ExchangeScope) File.AppendAllText(ExchangeTokenFile, token + "\n");
        }
        await WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3599,
            ["ext_expires_in"] = 3599,
            ["access_token"] = token,
        });
    }

    /// <summary>Whether the request carries a token issued here; when not, answers 401 as Graph does.</summary>
    async Task<bool> BearerTokenIssuedAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..].Trim() : "";
        bool known;
        // A token for another resource (Exchange Online) is refused, as Graph checks the audience.
        lock (_gate) known = _tokens.TryGetValue(token, out var scope) && scope == GraphScope;
        if (!known)
            await GraphErrorAsync(context, 401, "InvalidAuthenticationToken",
                token.Length == 0 ? "Access token is empty." : "IDX14100: JWT is not well formed.");
        return known;
    }

    Task InstanceDiscoveryAsync(HttpContext context)
    {
        // Documented shape of https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=…
        var host = new Uri(AuthorityHost).Authority;
        return WriteJsonAsync(context, 200, new Dictionary<string, object>
        {
            ["tenant_discovery_endpoint"] = $"{AuthorityHost}/{TenantId}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new[]
            {
                new Dictionary<string, object> { ["preferred_network"] = host, ["preferred_cache"] = host, ["aliases"] = new[] { host } },
            },
        });
    }

    Task OpenIdConfigurationAsync(HttpContext context, string tenant) => WriteJsonAsync(context, 200, new Dictionary<string, object>
    {
        ["issuer"] = $"{AuthorityHost}/{tenant}/v2.0",
        ["authorization_endpoint"] = $"{AuthorityHost}/{tenant}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"{AuthorityHost}/{tenant}/oauth2/v2.0/token",
        ["jwks_uri"] = $"{AuthorityHost}/{tenant}/discovery/v2.0/keys",
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "private_key_jwt", "client_secret_basic" },
        ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
        ["subject_types_supported"] = new[] { "pairwise" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
        ["tenant_region_scope"] = "AS",
    });

    [GeneratedRegex("^/([^/]+)/oauth2/v2\\.0/token$")]
    private static partial Regex TokenPath();

    [GeneratedRegex("^/([^/]+)/v2\\.0/\\.well-known/openid-configuration$")]
    private static partial Regex OpenIdPath();
}
