using EventPortal.BrowserTests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace EventPortal.BrowserTests.Smoke;

[Collection(BrowserCollection.Name)]
public sealed class SmokeTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Home_page_opens()
    {
        await using var visitor = await browser.VisitorAsync();
        await visitor.GoAsync("/");
        output.WriteLine("OUTPUT-HELPER: " + await visitor.Page.TitleAsync());
        browser.Print("DIAG: hello");
        Console.WriteLine("CONSOLE: hello");
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }
}
