using System.Text;

namespace EventPortal.Web.Registrations;

/// <summary>フリガナ: the reading of a name, written in full-width katakana.</summary>
public static class Kana
{
    /// <summary>
    /// NFKC (half-width ｶﾀｶﾅ becomes full width), hiragana turned into katakana (people type
    /// either), runs of spaces collapsed to one ideographic space.
    /// </summary>
    public static string ToKatakana(string input)
    {
        var folded = Shared.Unicode.NormalizeOrKeep(input, NormalizationForm.FormKC).Trim();
        var sb = new StringBuilder(folded.Length);
        var lastWasSpace = false;
        foreach (var c in folded)
        {
            if (c is ' ' or '\u3000')
            {
                if (!lastWasSpace) sb.Append('\u3000');
                lastWasSpace = true;
                continue;
            }
            lastWasSpace = false;
            sb.Append(c is >= '\u3041' and <= '\u3096' ? (char)(c + 0x60) : c);
        }
        return sb.ToString();
    }

    /// <summary>Katakana, the prolonged sound mark, the middle dot and ideographic spaces only.</summary>
    public static bool IsKatakana(string value) =>
        value.Length > 0 && value.All(c => c is (>= '\u30A1' and <= '\u30FA') or '\u30FC' or '\u30FB' or '\u3000' or '\u30FD' or '\u30FE');
}
