using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway on real Kestrel (port 0) in front of one or more FakeOllama servers, with short test timeouts.
/// Settings can be overridden per test; a ManualTimeProvider can replace the clock.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly IReadOnlyList<Uri> _servers;
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;

    public GatewayFactory(IEnumerable<Uri> servers, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        _servers = [.. servers];
        _time = time;
        _settings = new(StringComparer.Ordinal)
        {
            ["Ollama:HealthInterval"] = "00:10:00",
            ["Ollama:MissRefreshInterval"] = "00:00:00",
            ["Ollama:ConnectTimeout"] = "00:00:02",
            ["Ollama:FirstByteTimeout"] = "00:00:03",
            ["Ollama:ResponseTimeout"] = "00:00:05",
            ["Ollama:StreamIdleTimeout"] = "00:00:02",
            ["Ollama:HealthTimeout"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(0);
    }

    public static GatewayFactory For(params FakeOllama[] fakes) => new(fakes.Select(f => f.BaseUri));

    private readonly List<HttpClient> _clients = [];

    /// <summary>A real HTTP client to the Kestrel port (no in-memory handler), disposed with the factory.</summary>
    public HttpClient Client(TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxResponseDrainSize = 0 })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        _clients.Add(client);
        return client;
    }

    private readonly Lock _startLock = new();
    private Uri? _baseAddress;

    /// <summary>The Kestrel address; the server is started once, on first use.</summary>
    public Uri BaseAddress
    {
        get
        {
            lock (_startLock)
            {
                if (_baseAddress is null)
                {
                    FakeOllama.HostBuildGate.Wait();
                    try
                    {
                        StartServer();
                    }
                    finally
                    {
                        FakeOllama.HostBuildGate.Release();
                    }

                    var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                        .First(a => a.StartsWith("http://", StringComparison.Ordinal));
                    _baseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
                }

                return _baseAddress;
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await base.DisposeAsync();
    }

    public T Service<T>()
        where T : notnull
    {
        _ = BaseAddress;
        return Services.GetRequiredService<T>();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        for (var i = 0; i < _servers.Count; i++)
        {
            builder.UseSetting($"Ollama:Servers:{i}", _servers[i].ToString());
        }

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (_time is not null)
            {
                services.AddSingleton(_time);
            }
        });
    }
}
