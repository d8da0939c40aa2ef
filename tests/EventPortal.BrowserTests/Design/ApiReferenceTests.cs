using EventPortal.BrowserTests.Infrastructure;

namespace EventPortal.BrowserTests.Design;

/// <summary>
/// The API reference page for organisers (/api-reference, Scalar served by the app) in a real browser: it renders the
/// app's OpenAPI document under the page's own Content-Security-Policy, with nothing fetched from another origin.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_API_reference_shows_the_operations_with_no_request_to_another_origin_and_no_policy_violation()
    {
        await using var visitor = await browser.VisitorAsync("en-US", 1280, 900);

        await visitor.GoAsync("/api-reference/");

        // Rendered from the document: the first group open, the others (the admin API's among them) listed by tag.
        await visitor.Page.GetByText("Published events that have not ended, soonest first").First.WaitForAsync();
        foreach (var tag in new[] { "Registrations", "Admin: events", "Admin: registrations", "Admin: mail" })
            await visitor.Page.GetByText(tag, new() { Exact = true }).First.WaitForAsync();
        Assert.Contains(visitor.Requests, url => new Uri(url).AbsolutePath == "/openapi/v1.json");
        visitor.AssertOwnOriginOnlyAndNoErrors();
    }
}
