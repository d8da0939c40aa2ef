using System.Text;

namespace EventPortal.Web.Shared;

public static class Unicode
{
    /// <summary>
    /// The text normalised, or as it is where .NET refuses to normalise it (noncharacters such as
    /// U+FFFE, lone surrogates): the validators after this refuse such text with a message, so a
    /// client's odd input is never a 500.
    /// </summary>
    public static string NormalizeOrKeep(string text, NormalizationForm form)
    {
        try { return text.Normalize(form); }
        catch (ArgumentException) { return text; }
    }
}
