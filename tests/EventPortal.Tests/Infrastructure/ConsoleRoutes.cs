using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventPortal.Tests.Infrastructure;

/// <summary>The organiser console's page handlers as the app's route table has them, for tests that must cover every one.</summary>
public static class ConsoleRoutes
{
    /// <summary>Every handler of every page under Admin/, as "/Admin/AccountsPage POST add" ("… GET " for a page's own OnGet).</summary>
    public static IReadOnlyList<string> PageHandlers(IServiceProvider services) =>
        services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints)
            .Select(e => e.Metadata.GetMetadata<CompiledPageActionDescriptor>()).OfType<CompiledPageActionDescriptor>()
            .Where(p => p.ViewEnginePath.StartsWith("/Admin/", StringComparison.Ordinal))
            .SelectMany(p => p.HandlerMethods.Select(h =>
                $"{p.ViewEnginePath} {h.HttpMethod.ToUpperInvariant()} {h.Name?.ToLowerInvariant()}"))
            .Distinct().Order().ToList();
}
