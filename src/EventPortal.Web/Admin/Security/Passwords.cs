using System.Collections.Frozen;
using System.Text;

namespace EventPortal.Web.Admin.Security;

/// <summary>
/// What a new organiser password must be: at least <see cref="MinLength"/> characters, and not one
/// of the passwords people choose most (a list bundled with the app, made by
/// <c>scripts/common-passwords.py</c>; no service is asked, so nothing about the password leaves
/// the server). Checked wherever a password is set: setup, a new account, a change, the bootstrap.
/// </summary>
public static class Passwords
{
    public const int MinLength = 12;
    public const int MaxLength = 1024;

    static readonly Lazy<FrozenSet<string>> Common = new(() =>
    {
        using var stream = typeof(Passwords).Assembly.GetManifestResourceStream("EventPortal.Web.Admin.Security.common-passwords.txt")
            ?? throw new InvalidOperationException("Admin/Security/common-passwords.txt is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) set.Add(line);
        return set.ToFrozenSet(StringComparer.Ordinal);
    });

    /// <summary>
    /// The localisation key of what is wrong with <paramref name="password"/>, or null when it will do.
    /// Compared after NFKC and lower-casing: a Japanese keyboard's full-width "ＰＡＳＳＷＯＲＤ１２３４"
    /// and "Password1234" are the same weak password.
    /// </summary>
    public static string? Problem(string password) =>
        password.Length is < MinLength or > MaxLength ? "admin.passwordTooShort"
        : IsCommon(password) ? "admin.passwordCommon"
        : null;

    public static bool IsCommon(string password)
    {
        string normal;
        try { normal = password.Normalize(NormalizationForm.FormKC); }
        catch (ArgumentException) { return false; }   // a lone surrogate cannot be in the list
        return Common.Value.Contains(normal.ToLowerInvariant());
    }

    public static int CommonCount => Common.Value.Count;
}
