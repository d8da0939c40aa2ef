using System.Text;

namespace EventPortal.Web.Registrations;

/// <summary>
/// E-mail addresses as people in Japan type them: full-width characters are folded with NFKC
/// before anything else, and the dotted local parts that Japanese mobile carriers issued for
/// years (<c>abc.@docomo.ne.jp</c>, <c>a..b@ezweb.ne.jp</c>) are accepted although RFC 5322
/// forbids them. Anything that could break a mail header (spaces, quotes, angle brackets,
/// commas, control characters) is refused.
/// </summary>
public static class EmailAddress
{
    const string LocalSpecials = "!#$%&'*+/=?^_`{|}~.-";

    /// <summary>
    /// NFKC, trimmed: the address as we store and send to. Text that cannot be normalised
    /// (a noncharacter such as U+FFFE) is only trimmed: <see cref="IsValid"/> refuses it.
    /// </summary>
    public static string Clean(string input)
    {
        try { return input.Normalize(NormalizationForm.FormKC).Trim(); }
        catch (ArgumentException) { return input.Trim(); }
    }

    /// <summary>The key for "one registration per person": the cleaned address in lower case.</summary>
    public static string Normalize(string input) => Clean(input).ToLowerInvariant();

    public static bool IsValid(string cleaned)
    {
        if (cleaned.Length is < 3 or > 254) return false;
        var at = cleaned.LastIndexOf('@');
        if (at <= 0 || at != cleaned.IndexOf('@') || at > 64) return false;
        var local = cleaned.AsSpan(0, at);
        var domain = cleaned.AsSpan(at + 1);
        if (local[0] == '.') return false;
        foreach (var c in local)
            if (!(char.IsAsciiLetterOrDigit(c) || LocalSpecials.Contains(c))) return false;
        return IsValidDomain(domain);
    }

    static bool IsValidDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Length is 0 or > 253) return false;
        var labels = 0;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
            labels++;
        }
        var tld = domain[(domain.LastIndexOf('.') + 1)..];
        return labels >= 2 && tld.Length >= 2 && !char.IsAsciiDigit(tld[0]);
    }
}
