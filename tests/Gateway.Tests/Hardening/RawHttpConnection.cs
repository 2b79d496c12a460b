using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// An HTTP/1.1 client on a bare <see cref="TcpClient"/>: the test writes the exact bytes (oversized headers, slow
/// senders) and reads what the server answers, and whether and when it closes the connection. Every read is bounded.
/// </summary>
internal sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _received = [];
    private readonly byte[] _buffer = new byte[16 * 1024];

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The connection ended with a reset rather than an orderly close (FIN).</summary>
    public bool WasReset { get; private set; }

    public static async Task<RawHttpConnection> OpenAsync(Uri baseAddress)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(baseAddress.Host, baseAddress.Port, timeout.Token);
            return new RawHttpConnection(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    public async Task SendAsync(string text) => await SendAsync(Latin1(text));

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _stream.WriteAsync(bytes, timeout.Token);
    }

    /// <summary>A write that reports a connection the server already closed or reset as false instead of throwing.</summary>
    public async Task<bool> TrySendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The slow sender: one byte per <paramref name="interval"/> until all are sent, the server closes the connection
    /// or <paramref name="cancellationToken"/> fires. Returns how many bytes went out.
    /// </summary>
    public async Task<int> TrickleAsync(byte[] bytes, TimeSpan interval, CancellationToken cancellationToken)
    {
        var sent = 0;
        try
        {
            foreach (var b in bytes)
            {
                await Task.Delay(interval, cancellationToken);
                if (!await TrySendAsync([b], cancellationToken))
                {
                    break;
                }

                sent++;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The test stopped the sender: the server's answer (or close) already arrived.
        }

        return sent;
    }

    /// <summary>
    /// Reads one response. Null when the server closed the connection before sending a single byte;
    /// <see cref="TimeoutException"/> when nothing complete arrived within <paramref name="timeout"/>.
    /// </summary>
    public async Task<RawHttpResponse?> ReadResponseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await ReadResponseCoreAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete response within {timeout}; received so far: {Text(_received)}");
        }
    }

    /// <summary>
    /// True when the server closes the connection (a read returns 0 or the socket is reset) within <paramref name="timeout"/>;
    /// false when it is still open then. Bytes that arrive meanwhile are consumed and ignored.
    /// </summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await ReadMoreAsync(cts.Token))
            {
                _received.Clear();
            }

            return true;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<RawHttpResponse?> ReadResponseCoreAsync(CancellationToken cancellationToken)
    {
        int headEnd;
        while ((headEnd = IndexOf(_received, "\r\n\r\n"u8)) < 0)
        {
            if (!await ReadMoreAsync(cancellationToken))
            {
                return _received.Count == 0 ? null : throw new InvalidDataException("connection closed inside the response head: " + Text(_received));
            }
        }

        var lines = Text(_received.GetRange(0, headEnd)).Split("\r\n");
        _received.RemoveRange(0, headEnd + 4);
        var statusLine = lines[0].Split(' ', 3);
        var status = int.Parse(statusLine[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = new List<byte>();
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var sizeLine = await ReadLineAsync(cancellationToken);
                var size = int.Parse(sizeLine.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while ((await ReadLineAsync(cancellationToken)).Length > 0)
                    {
                    }

                    break;
                }

                await EnsureAsync(size + 2, cancellationToken);
                body.AddRange(_received.GetRange(0, size));
                _received.RemoveRange(0, size + 2);
            }
        }
        else if (headers.TryGetValue("Content-Length", out var lengthText))
        {
            var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
            await EnsureAsync(length, cancellationToken);
            body.AddRange(_received.GetRange(0, length));
            _received.RemoveRange(0, length);
        }
        else if (status is not (204 or 304) && status >= 200)
        {
            while (await ReadMoreAsync(cancellationToken))
            {
            }

            body.AddRange(_received);
            _received.Clear();
        }

        return new RawHttpResponse(status, headers, Encoding.UTF8.GetString([.. body]));
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = IndexOf(_received, "\r\n"u8)) < 0)
        {
            if (!await ReadMoreAsync(cancellationToken))
            {
                throw new InvalidDataException("connection closed inside a chunked body");
            }
        }

        var line = Text(_received.GetRange(0, end));
        _received.RemoveRange(0, end + 2);
        return line;
    }

    private async Task EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_received.Count < count)
        {
            if (!await ReadMoreAsync(cancellationToken))
            {
                throw new InvalidDataException($"connection closed with {_received.Count} of {count} body bytes");
            }
        }
    }

    /// <summary>False when the connection ended (orderly close or reset).</summary>
    private async Task<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer, cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            WasReset = true;
            return false;
        }

        _received.AddRange(_buffer.AsSpan(0, read));
        return read > 0;
    }

    private static int IndexOf(List<byte> bytes, ReadOnlySpan<byte> value) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes).IndexOf(value);

    private static string Text(List<byte> bytes) => Encoding.Latin1.GetString([.. bytes]);
}
