using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Agents.Mcp;

/// <summary>
/// Connections to the configured MCP servers (ModelContextProtocol's client: stdio child processes or Streamable
/// HTTP), made on first use and made again after a server goes away. Their tools are offered to the agents that list
/// them, named "&lt;server&gt;_&lt;tool&gt;" so two servers' tools never collide in one request.
/// </summary>
internal sealed partial class McpToolbox(IOptions<McpOptions> options, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly Dictionary<string, Connection> _connections = options.Value.Servers.ToDictionary(s => s.Key, s => new Connection(s.Key, s.Value),
        StringComparer.Ordinal);

    private readonly ILogger _log = loggers.CreateLogger<McpToolbox>();

    public IReadOnlyCollection<string> Servers => _connections.Keys;

    /// <summary>A server's tools (or the one named), connecting if needed; an unreachable server is a clear failure.</summary>
    public async Task<IReadOnlyList<AIFunction>> ToolsAsync(string server, string? tool, CancellationToken cancellationToken)
    {
        var tools = await ListAsync(server, cancellationToken).ConfigureAwait(false);
        if (tool is null)
        {
            return [.. tools.Select(t => t.Function)];
        }

        return tools.FirstOrDefault(t => t.OriginalName == tool) is { } found
            ? [found.Function]
            : throw new GatewayException(ErrorKind.AgentFailed, $"the MCP server '{server}' has no tool '{tool}'");
    }

    /// <summary>For listings: the server's tools, or none when it cannot be reached now (logged).</summary>
    public async Task<IReadOnlyList<McpTool>> TryListAsync(string server, CancellationToken cancellationToken)
    {
        try
        {
            return await ListAsync(server, cancellationToken).ConfigureAwait(false);
        }
        catch (GatewayException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<McpTool>> ListAsync(string server, CancellationToken cancellationToken)
    {
        var connection = _connections.TryGetValue(server, out var found)
            ? found
            : throw new GatewayException(ErrorKind.AgentFailed, $"no MCP server '{server}' is configured");
        try
        {
            return await connection.ToolsAsync(loggers, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(_log, server, e.GetType().Name, e.Message);
            throw new GatewayException(ErrorKind.AgentFailed, $"the MCP server '{server}' is unavailable");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server} is unavailable: {Error}: {Detail}")]
    private static partial void LogUnavailable(ILogger logger, string server, string error, string detail);

    /// <summary>One server: its client and tool list, made once and made again when the session has ended.</summary>
    private sealed class Connection(string name, McpServerOptions settings) : IAsyncDisposable
    {
        private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);
        private readonly SemaphoreSlim _gate = new(1, 1);
        private McpClient? _client;
        private IReadOnlyList<McpTool>? _tools;

        public async Task<IReadOnlyList<McpTool>> ToolsAsync(ILoggerFactory loggers, CancellationToken cancellationToken)
        {
            // A server can die between runs (a stdio child killed, an HTTP server restarted): a ping before each use
            // finds out, and the session is made again, rather than the run's first call failing.
            var known = _client;
            if (known is { Completion.IsCompleted: false } && _tools is { } ready && await AliveAsync(known, cancellationToken).ConfigureAwait(false))
            {
                return ready;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!ReferenceEquals(_client, known) && _client is { Completion.IsCompleted: false } && _tools is { } remade)
                {
                    return remade;
                }

                if (_client is not null)
                {
                    await _client.DisposeAsync().ConfigureAwait(false);
                    _client = null;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(settings.ConnectTimeout);
                var client = await McpClient.CreateAsync(Transport(loggers), new McpClientOptions
                {
                    ClientInfo = new ModelContextProtocol.Protocol.Implementation { Name = "sutazai-gateway", Version = "1.0" },
                }, loggers, timeout.Token).ConfigureAwait(false);
                var listed = false;
                try
                {
                    var tools = await client.ListToolsAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    _tools = [.. tools.Select(t => new McpTool(t.Name, t.WithName(Unique(ModelName(t.Name), names))))];
                    listed = true;
                }
                finally
                {
                    if (!listed)
                    {
                        await client.DisposeAsync().ConfigureAwait(false);
                    }
                }

                _client = client;
                return _tools;
            }
            finally
            {
                _gate.Release();
            }
        }

        private static async Task<bool> AliveAsync(McpClient client, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PingTimeout);
            try
            {
                await client.PingAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow, not gone: a new session would not help a busy server, and would cut the calls other runs have
                // in flight on this one. Its calls time out on their own if it is hung.
                return true;
            }
#pragma warning disable CA1031 // Any other failure of a ping means the session is gone; the caller makes a new one.
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client is not null)
            {
                await _client.DisposeAsync().ConfigureAwait(false);
            }

            _gate.Dispose();
        }

        /// <summary>Two tools whose names became the same once made safe get a numbered suffix.</summary>
        private static string Unique(string candidate, HashSet<string> taken)
        {
            var name = candidate;
            for (var n = 2; !taken.Add(name); n++)
            {
                var suffix = $"_{n}";
                name = (candidate.Length + suffix.Length > 64 ? candidate[..(64 - suffix.Length)] : candidate) + suffix;
            }

            return name;
        }

        /// <summary>Tool names as every chat API accepts them: letters, digits, '_' and '-', at most 64.</summary>
        private string ModelName(string tool)
        {
            var raw = $"{name}_{tool}";
            var safe = new string([.. raw.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);
            return safe.Length <= 64 ? safe : safe[..64];
        }

        private IClientTransport Transport(ILoggerFactory loggers)
        {
            if (settings.Url is { } url)
            {
                return new HttpClientTransport(new HttpClientTransportOptions
                {
                    Endpoint = url,
                    Name = name,
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = settings.Headers,
                    ConnectionTimeout = settings.ConnectTimeout,
                }, loggers);
            }

            return new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = name,
                Command = settings.Command!,
                Arguments = settings.Arguments,
                EnvironmentVariables = settings.Environment,
                WorkingDirectory = settings.WorkingDirectory,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
            }, loggers);
        }
    }
}

