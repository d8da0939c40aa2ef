using Microsoft.Extensions.Options;

namespace EventPortal.Web;

public static class Settings
{
    /// <summary>
    /// Binds an options class to its section and checks it with <paramref name="validate"/> at
    /// start-up; every problem found is reported, each naming its setting.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>> validate)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(validate));
        return services;
    }

    sealed class Validator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = validate(options).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
