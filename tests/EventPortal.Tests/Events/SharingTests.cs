using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Events;

/// <summary>
/// Event pages that travel: the meta description, Open Graph and Twitter card tags read back by an HTML parser
/// (AngleSharp), the preview image decoded, and the schema.org Event JSON-LD type-checked against schema-dts
/// (schema.org's vocabulary as TypeScript typings) by the TypeScript compiler; scheduled, rescheduled, cancelled;
/// on SQLite and on PostgreSQL.
/// </summary>
public abstract class SharingTests : IAsyncLifetime
{
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);   // 12:00 in Tokyo
    PortalApp _app = null!;
    HttpClient _api = null!;

    protected abstract Task<PortalApp> StartAsync();

    public async Task InitializeAsync()
    {
        _app = await StartAsync();
        _api = _app.Api();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
    }

    async Task<string> PublishedAsync(string title = "成果報告会")
    {
        var slug = await _api.CreateDraftAsync(Start, title: title);
        await _api.PatchEventAsync(slug, new() { ["summary"] = "一年の成果を報告します。", ["organiserName"] = "テスト事務局" });
        await _api.PublishAsync(slug);
        return slug;
    }

    async Task<IHtmlDocument> PageAsync(string slug, string language = "ja")
    {
        using var client = _app.Client(language);
        return new HtmlParser().ParseDocument(await client.GetStringAsync($"/events/{slug}"));
    }

    static string Meta(IHtmlDocument page, string key) =>
        (page.QuerySelector($"meta[property='{key}']") ?? page.QuerySelector($"meta[name='{key}']"))?.GetAttribute("content")
            ?? throw new Xunit.Sdk.XunitException($"no {key} tag");

    static JsonElement JsonLd(IHtmlDocument page) =>
        JsonDocument.Parse(page.QuerySelector("script[type='application/ld+json']")!.TextContent).RootElement.Clone();

    [Fact]
    public async Task A_published_event_page_carries_its_preview_tags_and_valid_schema_org_event_data()
    {
        var slug = await PublishedAsync();
        var page = await PageAsync(slug);
        var url = $"{_app.BaseAddress.ToString().TrimEnd('/')}/events/{slug}";

        Assert.Equal("成果報告会", Meta(page, "og:title"));
        Assert.Equal(url, Meta(page, "og:url"));
        Assert.Equal(url, page.QuerySelector("link[rel=canonical]")!.GetAttribute("href"));
        Assert.StartsWith("2030年3月6日(水) 12:00〜13:00", Meta(page, "og:description"));
        Assert.Contains("一年の成果を報告します。", Meta(page, "description"));
        Assert.Equal("ja_JP", Meta(page, "og:locale"));
        Assert.Equal("summary_large_image", Meta(page, "twitter:card"));
        Assert.Equal(Meta(page, "og:image"), Meta(page, "twitter:image"));
        await AssertCardAsync(Meta(page, "og:image"));

        var ld = JsonLd(page);
        await AssertSchemaOrgEventAsync(ld);
        Assert.Equal("2030-03-06T12:00:00+09:00", ld.GetProperty("startDate").GetString());
        Assert.Equal("https://schema.org/EventScheduled", ld.GetProperty("eventStatus").GetString());
        Assert.Equal("https://schema.org/OnlineEventAttendanceMode", ld.GetProperty("eventAttendanceMode").GetString());
        Assert.Equal(2, ld.GetProperty("offers").GetArrayLength());
        Assert.Equal("0", ld.GetProperty("offers")[0].GetProperty("price").GetString());
        Assert.Equal("テスト事務局", ld.GetProperty("organizer").GetProperty("name").GetString());
        Assert.Equal("en_US", Meta(await PageAsync(slug, "en"), "og:locale"));
    }

    [Fact]
    public async Task A_moved_event_says_rescheduled_with_its_first_start_and_a_cancelled_one_says_so()
    {
        var slug = await PublishedAsync();
        await _api.RescheduleAsync(slug, Start.AddDays(7), Start.AddDays(7).AddHours(1));
        await _api.RescheduleAsync(slug, Start.AddDays(14), Start.AddDays(14).AddHours(1));

        var moved = JsonLd(await PageAsync(slug));
        await AssertSchemaOrgEventAsync(moved);
        Assert.Equal("https://schema.org/EventRescheduled", moved.GetProperty("eventStatus").GetString());
        Assert.Equal("2030-03-06T12:00:00+09:00", moved.GetProperty("previousStartDate").GetString());
        Assert.Equal("2030-03-20T12:00:00+09:00", moved.GetProperty("startDate").GetString());

        await _api.CancelEventAsync(slug);
        var page = await PageAsync(slug);
        Assert.StartsWith("【中止】", Meta(page, "og:title"));
        Assert.StartsWith("【中止】", Meta(page, "og:description"));
        Assert.Equal("https://schema.org/EventCancelled", JsonLd(page).GetProperty("eventStatus").GetString());
    }

    [Fact]
    public async Task Markup_in_a_title_stays_text_in_the_tags_and_cannot_close_the_json_ld()
    {
        const string Title = "</script><script>alert(1)</script>\"'&";
        var slug = await PublishedAsync(Title);
        using var client = _app.Client();
        var html = await client.GetStringAsync($"/events/{slug}");

        Assert.DoesNotContain("<script>alert(1)", html);
        var page = new HtmlParser().ParseDocument(html);
        Assert.Equal(Title, Meta(page, "og:title"));
        Assert.Equal(Title, JsonLd(page).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Drafts_and_unknown_events_have_no_preview_image()
    {
        var draft = await _api.CreateDraftAsync(Start);
        using var client = _app.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/events/{draft}/card.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/events/no-such-event/card.png")).StatusCode);
    }

    /// <summary>A PNG of 1200×630 whose chunks have good CRCs and whose pixels inflate to the size the header says.</summary>
    async Task AssertCardAsync(string imageUrl)
    {
        using var client = _app.Client();
        var response = await client.GetAsync(new Uri(imageUrl).PathAndQuery);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], png[..8]);
        var (width, height, idat) = (0, 0, new MemoryStream());
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(crc, System.IO.Hashing.Crc32.HashToUInt32(png.AsSpan(at + 4, 4 + length)));
            if (type == "IHDR") (width, height) = (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at + 8)),
                BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at + 12)));
            if (type == "IDAT") idat.Write(png, at + 8, length);
            at += 12 + length;
        }
        Assert.Equal((1200, 630), (width, height));
        idat.Position = 0;
        using var pixels = new MemoryStream();
        await new ZLibStream(idat, CompressionMode.Decompress).CopyToAsync(pixels);
        Assert.Equal((1 + 1200 * 3) * 630, pixels.Length);
    }

    /// <summary>tests/tools/check-schema-org.mjs: the TypeScript compiler against schema-dts's typings of schema.org.</summary>
    static async Task AssertSchemaOrgEventAsync(JsonElement ld)
    {
        var file = Path.Combine(Path.GetTempPath(), $"eventportal-ld-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, ld.GetRawText());
        try
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(Repo.Root, "tests", "tools", "check-schema-org.mjs"));
            start.ArgumentList.Add(file);
            start.ArgumentList.Add("Event");
            using var process = Process.Start(start)!;
            var stdout = await process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, stderr);
            var errors = JsonDocument.Parse(stdout).RootElement.GetProperty("errors");
            Assert.True(errors.GetArrayLength() == 0, $"schema.org Event: {errors}\n{ld}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class SharingTestsOnSqlite : SharingTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class SharingTestsOnPostgres : SharingTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
