using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SutazAi.Gateway.Hosting;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway on real Kestrel (127.0.0.1:0) in front of one or more FakeOllama servers, with short test timeouts.
/// Built with <see cref="GatewayApp"/> directly rather than WebApplicationFactory, whose process-wide host
/// interception can pick up a FakeOllama host that starts at the same moment.
/// </summary>
public sealed class GatewayFactory : IAsyncDisposable
{
    private readonly IReadOnlyList<Uri> _servers;
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;
    private readonly List<HttpClient> _clients = [];
    private readonly Lock _startLock = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("sutazai-gw-").FullName;
    private WebApplication? _app;
    private Uri? _baseAddress;

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
            ["Storage:DataDirectory"] = _dataDirectory,
            ["Auth:BootstrapAdminKey"] = TestAuth.AdminKey,
        };
        for (var i = 0; i < _servers.Count; i++)
        {
            _settings[$"Ollama:Servers:{i}"] = _servers[i].ToString();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>Extra registrations (test tools, fakes) applied after the gateway's own.</summary>
    public Action<IServiceCollection>? Services { get; init; }

    public static GatewayFactory For(params FakeOllama[] fakes) => new(fakes.Select(f => f.BaseUri));

    /// <summary>The Kestrel address; the gateway is started once, on first use.</summary>
    public Uri BaseAddress
    {
        get
        {
            lock (_startLock)
            {
                if (_baseAddress is null)
                {
                    _app = GatewayApp.Build(["--urls", "http://127.0.0.1:0", "--environment", "Testing"], builder =>
                    {
                        builder.Configuration.AddInMemoryCollection(_settings);
                        builder.Logging.SetMinimumLevel(LogLevel.Warning);
                        if (_time is not null)
                        {
                            builder.Services.AddSingleton(_time);
                        }

                        Services?.Invoke(builder.Services);
                    });
                    _app.Start();
                    _baseAddress = new Uri(_app.Urls.First() + "/");
                }

                return _baseAddress;
            }
        }
    }

    /// <summary>A real HTTP client to the Kestrel port that sends the admin key, disposed with the factory.</summary>
    public HttpClient Client(TimeSpan? timeout = null) => TestAuth.Authorize(AnonymousClient(timeout));

    /// <summary>The same without any credential.</summary>
    public HttpClient AnonymousClient(TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxResponseDrainSize = 0 })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        _clients.Add(client);
        return client;
    }

    public T Service<T>()
        where T : notnull
    {
        _ = BaseAddress;
        return _app!.Services.GetRequiredService<T>();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }
}
