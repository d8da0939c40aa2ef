using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

namespace EventPortal.Web.Localization;

/// <summary>
/// The one localisation mechanism: every UI string is a key in <c>Localization/ja.json</c>
/// and <c>Localization/en.json</c> (embedded), looked up through the standard
/// <see cref="IStringLocalizer"/> for the current UI culture. Japanese is the default and the
/// fallback; a key missing everywhere shows as the key itself, and a test keeps the two
/// files in step.
/// </summary>
public sealed class Text : IStringLocalizer
{
    public static readonly string[] Languages = ["ja", "en"];
    public const string DefaultLanguage = "ja";

    static readonly FrozenDictionary<string, FrozenDictionary<string, string>> Tables =
        Languages.ToFrozenDictionary(lang => lang, Load);

    public static IReadOnlyDictionary<string, string> Table(string language) => Tables[language];

    static FrozenDictionary<string, string> Load(string language)
    {
        using var stream = typeof(Text).Assembly.GetManifestResourceStream($"EventPortal.Web.Localization.{language}.json")
            ?? throw new InvalidOperationException($"Localization/{language}.json is not embedded.");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(stream)!.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The supported language closest to <paramref name="culture"/> (ja when nothing fits).</summary>
    public static string LanguageOf(CultureInfo culture)
    {
        for (var c = culture; !string.IsNullOrEmpty(c.Name); c = c.Parent)
            if (Tables.ContainsKey(c.Name)) return c.Name;
        return DefaultLanguage;
    }

    public static string Current => LanguageOf(CultureInfo.CurrentUICulture);

    public static string Get(string key, string language) =>
        Tables[language].TryGetValue(key, out var value) || Tables[DefaultLanguage].TryGetValue(key, out value) ? value : key;

    public LocalizedString this[string name]
    {
        get
        {
            var language = Current;
            var found = Tables[language].TryGetValue(name, out var value) || Tables[DefaultLanguage].TryGetValue(name, out value);
            return new LocalizedString(name, value ?? name, resourceNotFound: !found);
        }
    }

    public LocalizedString this[string name, params object[] arguments]
    {
        get
        {
            var format = this[name];
            return new LocalizedString(name, string.Format(CultureInfo.CurrentCulture, format.Value, arguments), format.ResourceNotFound);
        }
    }

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) =>
        Tables[Current].Select(kv => new LocalizedString(kv.Key, kv.Value));

    /// <summary>Hands the same <see cref="Text"/> to every <c>IStringLocalizer&lt;T&gt;</c>.</summary>
    public sealed class Factory : IStringLocalizerFactory
    {
        static readonly Text Instance = new();
        public IStringLocalizer Create(Type resourceSource) => Instance;
        public IStringLocalizer Create(string baseName, string location) => Instance;
    }

    public static void ConfigureRequestLocalization(RequestLocalizationOptions options)
    {
        var cultures = Languages.Select(l => new CultureInfo(l)).ToList();
        options.DefaultRequestCulture = new RequestCulture(DefaultLanguage);
        options.SupportedCultures = cultures;
        options.SupportedUICultures = cultures;
        options.FallBackToParentCultures = true;
        options.FallBackToParentUICultures = true;
        // The visible switch (cookie) wins over the browser's Accept-Language; no query string.
        options.RequestCultureProviders =
        [
            new CookieRequestCultureProvider(),
            new AcceptLanguageHeaderRequestCultureProvider(),
        ];
    }
}
