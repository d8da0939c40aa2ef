using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Registrations;

public enum FormTimingCheck { Ok, TooFast, Invalid }

/// <summary>
/// The registration form's minimum fill time, without a CAPTCHA or anything from another origin:
/// the page carries the time it was served in a hidden field, signed with the app's data
/// protection keys (shared by every instance through the database), so a script cannot make up a
/// time; a form sent back sooner than <see cref="RegistrationOptions.MinFillSeconds"/> is refused
/// with a request to send it again. A stamp is good for a day (a tab left open overnight).
/// </summary>
public sealed class FormTiming(IDataProtectionProvider protection, IOptions<RegistrationOptions> options, TimeProvider clock)
{
    public const string Field = "formStarted";
    /// <summary>The hidden field only a script fills in: named to tempt form fillers, labelled for people to leave it empty.</summary>
    public const string Honeypot = "website";

    static readonly TimeSpan MaxAge = TimeSpan.FromDays(1);
    readonly IDataProtector _protector = protection.CreateProtector("EventPortal.Registrations.FormTiming");

    public string Issue() => _protector.Protect(clock.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture));

    public FormTimingCheck Check(string? stamp)
    {
        if (string.IsNullOrEmpty(stamp) || stamp.Length > 500) return FormTimingCheck.Invalid;
        long ticks;
        try
        {
            if (!long.TryParse(_protector.Unprotect(stamp), NumberStyles.None, CultureInfo.InvariantCulture, out ticks))
                return FormTimingCheck.Invalid;
        }
        catch (CryptographicException)
        {
            return FormTimingCheck.Invalid;   // forged, cut short, or signed with a key that was removed
        }
        var age = clock.GetUtcNow().UtcTicks - ticks;
        if (age < 0 || age > MaxAge.Ticks) return FormTimingCheck.Invalid;
        return age < TimeSpan.FromSeconds(options.Value.MinFillSeconds).Ticks ? FormTimingCheck.TooFast : FormTimingCheck.Ok;
    }
}
