using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using EventPortal.Tests.Infrastructure;
using EventPortal.Web.Events;

namespace EventPortal.Tests.Events;

/// <summary>
/// An organiser's own preview image: uploaded in the console (checked, stored in the database), served by the portal with
/// caching headers, named by the event page's og:image, twitter:image and JSON-LD; a refused file changes nothing, and
/// removing the image brings back the generated card.
/// </summary>
public abstract class EventImageTests : IAsyncLifetime
{
    static readonly DateTime Start = new(2030, 3, 6, 3, 0, 0, DateTimeKind.Utc);
    PortalApp _app = null!;
    HttpClient _api = null!, _browser = null!;

    protected abstract Task<PortalApp> StartAsync();

    public async Task InitializeAsync()
    {
        _app = await StartAsync();
        _api = _app.Api();
        _browser = await _app.SignedInAsync();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        _browser.Dispose();
        await _app.DisposeAsync();
    }

    async Task<HttpResponseMessage> UploadAsync(string slug, byte[] file, string name = "preview.png")
    {
        var path = $"/admin/events/{slug}/image";
        var page = await _browser.GetStringAsync(path);
        return await _browser.PostAsync(path + "/upload", Journeys.Upload(page, path, file, name));
    }

    async Task<IHtmlDocument> EventPageAsync(string slug)
    {
        using var visitor = _app.Client();
        return new HtmlParser().ParseDocument(await visitor.GetStringAsync($"/events/{slug}"));
    }

    static string Meta(IHtmlDocument page, string key) =>
        (page.QuerySelector($"meta[property='{key}']") ?? page.QuerySelector($"meta[name='{key}']"))!.GetAttribute("content")!;

    [Fact]
    public async Task An_uploaded_image_is_served_by_the_portal_and_named_by_the_pages_preview_tags_until_removed()
    {
        var slug = await _api.CreateDraftAsync(Start);
        await _api.PublishAsync(slug);
        var url = $"{_app.BaseAddress.ToString().TrimEnd('/')}/events/{slug}";
        Assert.Equal(url + "/card.png", Meta(await EventPageAsync(slug), "og:image"));

        var camera = PreviewImageTests.Jpeg(1080, 1080);
        // A phone photo: its EXIF says where it was taken; what is served must not.
        byte[] photo = [.. camera[..2], .. ImageMetadataTests.Segment(0xE1, [.. "Exif\0\0"u8, .. ImageMetadataTests.PhoneExif()]),
            .. camera[2..]];
        var jpeg = ImageMetadata.Strip(photo);
        Assert.NotEqual(photo.Length, jpeg.Length);
        var uploaded = await UploadAsync(slug, photo, "写真.png"); // the name says PNG; the bytes decide
        Assert.Equal(HttpStatusCode.SeeOther, uploaded.StatusCode);
        Assert.Equal($"/admin/events/{slug}/image?done=uploaded", uploaded.Headers.Location!.OriginalString);
        Assert.Contains("アップロードした画像を使っています(JPEG、1080×1080 ピクセル)", await _browser.GetStringAsync($"/admin/events/{slug}/image"));

        var page = await EventPageAsync(slug);
        var image = Meta(page, "og:image");
        Assert.StartsWith(url + "/image?v=", image);
        Assert.Equal(image, Meta(page, "twitter:image"));
        Assert.Equal(("image/jpeg", "1080", "1080"),
            (Meta(page, "og:image:type"), Meta(page, "og:image:width"), Meta(page, "og:image:height")));
        var ld = JsonDocument.Parse(page.QuerySelector("script[type='application/ld+json']")!.TextContent).RootElement;
        Assert.Equal(image, ld.GetProperty("image")[0].GetString());

        using var visitor = _app.Client();
        var served = await visitor.GetAsync(new Uri(image).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/jpeg", served.Content.Headers.ContentType!.MediaType);
        var bytes = await served.Content.ReadAsByteArrayAsync();
        Assert.Equal(jpeg, bytes);
        Assert.Empty(ImageMetadataTests.Read(bytes).OfType<MetadataExtractor.Formats.Exif.GpsDirectory>());
        Assert.NotEmpty(ImageMetadataTests.Read(photo).OfType<MetadataExtractor.Formats.Exif.GpsDirectory>());
        Assert.Equal("public, max-age=31536000, immutable", served.Headers.CacheControl!.ToString());
        var etag = served.Headers.ETag!;
        var bare = await visitor.GetAsync($"/events/{slug}/image");
        Assert.Equal("public, max-age=300", bare.Headers.CacheControl!.ToString());
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/events/{slug}/image");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await visitor.SendAsync(again)).StatusCode);

        var removed = await _browser.SubmitAsync($"/admin/events/{slug}/image", $"/admin/events/{slug}/image/remove",
            new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.SeeOther, removed.StatusCode);
        Assert.Equal(url + "/card.png", Meta(await EventPageAsync(slug), "og:image"));
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/events/{slug}/image")).StatusCode);
        Assert.Equal(0, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM event_images"));
        Assert.Equal(2, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'event.image'"));
    }

    [Theory]
    [InlineData("gif", "PNG か JPEG の画像にしてください")]
    [InlineData("tiny", "縦横それぞれ 200〜4096 ピクセルにしてください(この画像は 120×630 ピクセルです)")]
    [InlineData("cut", "画像ファイルが壊れているか、途中で切れています")]
    [InlineData("none", "画像ファイルを選んでください")]
    [InlineData("big", "ファイルが大きすぎます。2 MB までの画像にしてください")]
    [InlineData("huge", "")]
    public async Task A_refused_file_is_explained_and_changes_nothing(string kind, string message)
    {
        var slug = await _api.CreateDraftAsync(Start);
        await _api.PublishAsync(slug);
        Assert.Equal(HttpStatusCode.SeeOther, (await UploadAsync(slug, EventCard.Png("kept"))).StatusCode);
        var before = await _app.QueryOneAsync<string>("SELECT image_version FROM events WHERE slug = @slug", new { slug });

        var file = kind switch
        {
            "gif" => "GIF89a\x01\x00\x01\x00"u8.ToArray(),
            "tiny" => PreviewImageTests.Png(120, 630),
            "cut" => EventCard.Png("cut")[..300],
            "big" => [.. PreviewImageTests.Png(1200, 630), .. new byte[4 * PreviewImages.MaxBytes]],   // a phone photo's size
            "huge" => new byte[6 * PreviewImages.MaxBytes + 64 * 1024],   // just over the page's 12 MB request limit
            _ => [],
        };
        if (kind == "huge")
        {
            // Over the page's request limit the form cannot be read at all (nor its anti-forgery token): Kestrel answers
            // 413 from the Content-Length, with the page that says so, and closes the connection, so a client still
            // sending may see only the close.
            try
            {
                var tooLarge = await UploadAsync(slug, file);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
                Assert.Contains("送信されたデータが大きすぎます", await tooLarge.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException closed) when (closed.InnerException is IOException) { }
            Assert.Equal(before, await _app.QueryOneAsync<string>("SELECT image_version FROM events WHERE slug = @slug", new { slug }));
            return;
        }
        var refused = await UploadAsync(slug, file);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains(message, html);
        Assert.Contains("aria-invalid=\"true\"", html);
        Assert.Equal(before, await _app.QueryOneAsync<string>("SELECT image_version FROM events WHERE slug = @slug", new { slug }));
        Assert.Equal(1, await _app.QueryOneAsync<int>("SELECT COUNT(*) FROM audit_log WHERE action = 'event.image'"));
    }

    [Fact]
    public async Task A_drafts_image_is_not_served_until_the_event_is_published()
    {
        var slug = await _api.CreateDraftAsync(Start);
        Assert.Equal(HttpStatusCode.SeeOther, (await UploadAsync(slug, PreviewImageTests.Png(1200, 630))).StatusCode);
        using var visitor = _app.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/events/{slug}/image")).StatusCode);
        await _api.PublishAsync(slug);
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync($"/events/{slug}/image")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync("/admin/events/no-such-event/image")).StatusCode);
    }
}

public sealed class EventImageTestsOnSqlite : EventImageTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartSqliteAsync(settings: Organisers.Bootstrap());
}

public sealed class EventImageTestsOnPostgres : EventImageTests
{
    protected override Task<PortalApp> StartAsync() => PortalApp.StartPostgresAsync(settings: Organisers.Bootstrap());
}
