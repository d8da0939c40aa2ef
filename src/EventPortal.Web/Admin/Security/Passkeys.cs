using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;
using EventPortal.Web.Shared;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.AspNetCore.DataProtection;
using B64 = System.Buffers.Text.Base64Url;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// Passkeys (WebAuthn) through the Fido2 package, as a second factor after the password. The
/// relying party is this site's own host (PublicBaseUrl when set, else the request's), so a
/// passkey made here answers nowhere else. The options a ceremony started with travel to the
/// browser and back in a short-lived cookie encrypted by data protection (keys shared by every
/// instance): no server memory to lose between the two requests, and any instance can finish.
/// </summary>
public sealed class Passkeys(IDataProtectionProvider protection, Links links)
{
    const string CookieName = ".EventPortal.WebAuthn";
    static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(5);
    readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("EventPortal.WebAuthn").ToTimeLimitedDataProtector();

    public sealed class Stored
    {
        public long Id { get; init; }
        public long AdminId { get; init; }
        public string CredentialId { get; init; } = "";
        public string PublicKey { get; init; } = "";
        public long SignCount { get; init; }
        public string Name { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? LastUsedAt { get; init; }
    }

    public static async Task<IReadOnlyList<Stored>> OfAsync(DbConnection c, long adminId, CancellationToken ct, DbTransaction? tx = null) =>
        (await c.QueryAsync<Stored>(new CommandDefinition("""
            SELECT id, admin_id, credential_id, public_key, sign_count, name, created_at, last_used_at
            FROM admin_passkeys WHERE admin_id = @adminId ORDER BY id
            """, new { adminId }, tx, cancellationToken: ct))).AsList();

    Fido2 For(HttpContext context)
    {
        var origin = new Uri(links.Base(context));
        return new Fido2(new Fido2Configuration
        {
            RPID = origin.Host,
            RPName = "EventPortal",
            Origins = new HashSet<string> { origin.GetLeftPart(UriPartial.Authority) },
        }, null);
    }

    /// <summary>
    /// Starts adding a passkey to the signed-in organiser's account: the options for <c>navigator.credentials.create</c>.
    /// </summary>
    public string BeginRegistration(HttpContext context, long adminId, string email, IEnumerable<Stored> existing)
    {
        var options = For(context).RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = Encoding.UTF8.GetBytes("organiser:" + adminId), Name = email, DisplayName = email },
            ExcludeCredentials = existing.Select(p => new PublicKeyCredentialDescriptor(B64.DecodeFromChars(p.CredentialId))).ToList(),
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Preferred,
                UserVerification = UserVerificationRequirement.Preferred,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        Remember(context, "create", options.ToJson());
        return options.ToJson();
    }

    /// <summary>Checks the browser's answer to <see cref="BeginRegistration"/>; null when it is not a valid new credential.</summary>
    public async Task<RegisteredPublicKeyCredential?> FinishRegistrationAsync(HttpContext context, string answer, CancellationToken ct)
    {
        if (Recall(context, "create") is not { } json) return null;
        try
        {
            var response = JsonSerializer.Deserialize<AuthenticatorAttestationRawResponse>(answer);
            if (response is null) return null;
            return await For(context).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(json),
                IsCredentialIdUniqueToUserCallback = (_, _) => Task.FromResult(true),   // the column is UNIQUE
            }, ct);
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Starts the second step of a sign-in: the options for <c>navigator.credentials.get</c>, limited to the account's
    /// passkeys.
    /// </summary>
    public string BeginAssertion(HttpContext context, IEnumerable<Stored> passkeys)
    {
        var options = For(context).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = passkeys.Select(p => new PublicKeyCredentialDescriptor(B64.DecodeFromChars(p.CredentialId))).ToList(),
            UserVerification = UserVerificationRequirement.Preferred,
        });
        Remember(context, "get", options.ToJson());
        return options.ToJson();
    }

    /// <summary>
    /// Checks the browser's answer to <see cref="BeginAssertion"/> against the account's passkeys; the one used, or null.
    /// </summary>
    public async Task<(Stored Passkey, uint SignCount)?> FinishAssertionAsync(HttpContext context, string answer,
        IReadOnlyList<Stored> passkeys, CancellationToken ct)
    {
        if (Recall(context, "get") is not { } json) return null;
        try
        {
            var response = JsonSerializer.Deserialize<AuthenticatorAssertionRawResponse>(answer);
            var used = response is null ? null : passkeys.FirstOrDefault(p => p.CredentialId == B64.EncodeToString(response.RawId));
            if (used is null) return null;
            var result = await For(context).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response!,
                OriginalOptions = AssertionOptions.FromJson(json),
                StoredPublicKey = Convert.FromBase64String(used.PublicKey),
                StoredSignatureCounter = (uint)used.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (_, _) => Task.FromResult(true),   // matched to the account above
            }, ct);
            return (used, result.SignCount);
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Whatever the checks throw on an answer from a browser (or someone pretending to be one) is a
    /// refused answer, never a 500: besides its own verification errors the library can let CBOR,
    /// JSON and crypto errors through on malformed input, and nothing in these calls touches the database.
    /// </summary>
    static bool IsBadAnswer(Exception e) => e is not OperationCanceledException;

    void Remember(HttpContext context, string ceremony, string optionsJson) =>
        context.Response.Cookies.Append(CookieName, _protector.Protect(ceremony + "\n" + optionsJson, CeremonyLifetime),
            new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/admin" });

    /// <summary>The options of the ceremony this browser started, used once: the cookie goes with the answer.</summary>
    string? Recall(HttpContext context, string ceremony)
    {
        var cookie = context.Request.Cookies[CookieName];
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/admin" });
        if (cookie is null) return null;
        try
        {
            var text = _protector.Unprotect(cookie);
            return text.StartsWith(ceremony + "\n", StringComparison.Ordinal) ? text[(ceremony.Length + 1)..] : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;   // expired, tampered with, or from another site's keys
        }
    }
}
