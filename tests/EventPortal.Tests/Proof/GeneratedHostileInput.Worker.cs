using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using EventPortal.Tests.Infrastructure;

namespace EventPortal.Tests.Proof;

public sealed partial class GeneratedHostileInput
{
    /// <summary>One client: its own cookies and anti-forgery token, fetched once and reused for every form it posts.</summary>
    sealed partial class Worker : IAsyncDisposable
    {
        static int _workers;
        readonly int _id = Interlocked.Increment(ref _workers);
        int _emails;
        public required HttpClient Client { get; init; }
        public required string Token { get; init; }
        public int Count => _emails;

        public static Task<Worker> StartAsync(PortalApp app, string slug) => StartAsync(app, $"/events/{slug}", signIn: false);

        /// <summary>A worker whose token comes from <paramref name="page"/>, signed in to the console first if asked.</summary>
        public static async Task<Worker> StartAsync(PortalApp app, string page, bool signIn)
        {
            var client = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = true,
                CookieContainer = new CookieContainer(),
                RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            })
            { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            if (signIn)
            {
                var signedIn = await client.SignInAsync(Organisers.OwnerEmail, Organisers.OwnerPassword);
                Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            }
            var token = AntiforgeryToken().Match(await client.GetStringAsync(page));
            Assert.True(token.Success, $"no anti-forgery token on {page}");
            return new Worker { Client = client, Token = token.Groups[1].Value };
        }

        public string NextEmail() => $"fz-{_id}-{Interlocked.Increment(ref _emails)}@example.jp";

        /// <summary>
        /// A form post with this worker's anti-forgery token, the values percent-encoded as UTF-8 (a
        /// lone surrogate becomes U+FFFD).
        /// </summary>
        public HttpRequestMessage Form(string path, Dictionary<string, string> fields) =>
            new(HttpMethod.Post, path) { Content = FormContent(Encoded(fields)) };

        /// <summary>A JSON body as the console's scripts post it (the anti-forgery token in a header), the value as the body.</summary>
        public HttpRequestMessage Json(string path, string body) => new(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { { "RequestVerificationToken", Token } },
        };

        /// <summary>A form post whose <paramref name="field"/> holds the value's raw bytes, invalid UTF-8 spliced in, unencoded.</summary>
        public HttpRequestMessage RawForm(string path, Dictionary<string, string> fields, string field, string value)
        {
            fields.Remove(field);
            var head = Encoding.ASCII.GetBytes(Encoded(fields) + $"&{field}=");
            var raw = Corrupt(value, _emails).Select(b => b is (byte)'&' or (byte)'=' or (byte)'%' or (byte)'+' ? (byte)'_' : b).ToArray();
            var content = new ByteArrayContent([.. head, .. raw]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        }

        /// <summary>The fields and this worker's anti-forgery token, as a form body percent-encodes them.</summary>
        string Encoded(Dictionary<string, string> fields) =>
            string.Join("&", fields.Append(new("__RequestVerificationToken", Token)).Select(p => $"{Query(p.Key)}={Query(p.Value)}"));

        /// <summary>No charset parameter: like a browser, so the server decodes the percent-encoded bytes as UTF-8.</summary>
        static ByteArrayContent FormContent(string body)
        {
            var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            return content;
        }

        [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
        private static partial Regex AntiforgeryToken();

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
