using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

namespace SutazAi.Plugins.Tools;

/// <summary>Limits of <see cref="HttpFetch"/>.</summary>
public sealed class HttpFetchOptions
{
    /// <summary>Hosts (names or IP addresses) that may be fetched even though they resolve to a refused range.</summary>
    public IList<string> AllowedHosts { get; } = [];

    public int MaxBytes { get; set; } = 1024 * 1024;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxRedirects { get; set; } = 5;
}

/// <summary>
/// http_fetch: GET a web page for an agent, with server-side request forgery closed off. Only http and https;
/// the host is resolved first and every address it resolves to must be public: loopback, private, link-local
/// (including the cloud metadata address), carrier-grade NAT, multicast and unspecified ranges are refused unless
/// the host is allow-listed. The connection goes to the address that was checked (no second lookup a DNS rebind
/// could change), redirects are followed by hand and checked again, and the body is capped in size and time.
/// </summary>
public sealed class HttpFetch : IDisposable
{
    private readonly HttpFetchOptions _options;
    private readonly HashSet<string> _allowed;
    private readonly HttpClient _client;

    public HttpFetch(HttpFetchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _allowed = new HashSet<string>(options.AllowedHosts, StringComparer.OrdinalIgnoreCase);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = options.Timeout,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("SutazAi-Gateway-http_fetch/1.0");
    }

    public AIFunction AsTool() => AIFunctionFactory.Create(
        ([Description("An absolute http:// or https:// URL to GET.")] string url, CancellationToken cancellationToken) => FetchAsync(url, cancellationToken),
        "http_fetch",
        "Fetches a public web page or API response with GET and returns its status, content type and text (cut to a size limit).");

    public async Task<FetchResult> FetchAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var target = Parse(url);
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, target), HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                    .ConfigureAwait(false);
                if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    if (redirects >= _options.MaxRedirects)
                    {
                        throw new ToolException($"more than {_options.MaxRedirects} redirects");
                    }

                    target = Parse(new Uri(target, location).ToString());
                    continue;
                }

                var (text, truncated) = await ReadAsync(response, timeout.Token).ConfigureAwait(false);
                return new FetchResult(target.ToString(), (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), text, truncated);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ToolException($"no complete answer within {_options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (e.InnerException is ToolException refused)
        {
            throw refused;
        }
        catch (HttpRequestException e)
        {
            throw new ToolException($"the request failed: {e.HttpRequestError}");
        }
    }

    public void Dispose() => _client.Dispose();

    private static Uri Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ToolException("only absolute http:// and https:// URLs can be fetched");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ToolException("URLs with credentials are not fetched");
        }

        return uri;
    }

    /// <summary>Resolves, checks every address, and connects to a checked one: the address used is the address allowed.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new ToolException($"'{host}' does not resolve");
        }

        if (!_allowed.Contains(host) && addresses.FirstOrDefault(a => !IsPublic(a) && !_allowed.Contains(a.ToString())) is { } refused)
        {
            throw new ToolException($"'{host}' resolves to {refused}, a private, loopback, link-local or otherwise internal address; it is not fetched");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Globally routable unicast only.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224             // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)           // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                        // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)            // private
                || (b[0] == 192 && b[1] == 168)                        // private
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)        // IETF protocol assignments, documentation
                || (b[0] == 198 && b[1] is 18 or 19)                   // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)          // documentation
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));         // documentation
        }

        var v6 = address.GetAddressBytes();
        return !(IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (v6[0] & 0xFE) == 0xFC                                  // unique local (fc00::/7, includes fd00:ec2::254)
            || (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0D && v6[3] == 0xB8)); // documentation
    }

    private async Task<(string Text, bool Truncated)> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[_options.MaxBytes + 1];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var truncated = read > _options.MaxBytes;
            var length = Math.Min(read, _options.MaxBytes);
            return (Charset(response).GetString(buffer, 0, length), truncated);
        }
    }

    /// <summary>The declared charset when .NET knows it, else UTF-8.</summary>
    private static Encoding Charset(HttpResponseMessage response)
    {
        try
        {
            return response.Content.Headers.ContentType?.CharSet is { Length: > 0 } charset ? Encoding.GetEncoding(charset.Trim('"')) : Encoding.UTF8;
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    public sealed record FetchResult(string Url, int Status, string? ContentType, string Content, bool Truncated);
}
