using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Admin;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Endpoints.OpenAI;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Hosting;

internal static class GatewayHostingExtensions
{
    /// <summary>Options (validated at start), the upstream pool and its health monitor, metrics, Kestrel limits.</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OllamaOptions>().BindConfiguration(OllamaOptions.Section)
            .PostConfigure(o => o.Servers = o.Servers.Length == 0 ? [OllamaOptions.DefaultServer] : o.Servers).ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateOnStart();
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OllamaOptions>, OllamaOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OllamaOptions>, OllamaServersValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<UpstreamPool>();
        services.TryAddSingleton<ModelDirectory>();
        services.AddOptions<SutazAi.Plugins.Tools.HttpFetchOptions>().BindConfiguration("Tools:HttpFetch");
        services.AddOptions<SutazAi.Plugins.Tools.WebSearchOptions>().BindConfiguration("Tools:WebSearch");
        services.AddHttpContextAccessor();
        services.AddOptions<McpOptions>().BindConfiguration(McpOptions.Section)
            .Validate(o => o.Servers.Values.All(s => (s.Url is not null) ^ !string.IsNullOrWhiteSpace(s.Command)),
                "each Mcp:Servers entry needs exactly one of Command (stdio) or Url (Streamable HTTP)")
            .ValidateOnStart();
        services.TryAddSingleton<Agents.Mcp.McpToolbox>();
        services.TryAddSingleton<Agents.ToolCatalog>();
        services.TryAddSingleton<Agents.AgentRunner>();
        services.TryAddSingleton<Agents.AgentChat>();
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section);
        services.TryAddSingleton<Storage.Agents.AgentStore>();
        services.TryAddSingleton<Storage.Agents.AgentExecutionIndex>();
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section)
            .Configure<IConfiguration>((options, configuration) => options.RedisConfiguration = configuration.GetConnectionString("Redis"))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CacheOptions>, CacheOptionsValidator>());
        services.TryAddSingleton<MemoryCacheBackend>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CacheOptions>>();
            var redis = string.IsNullOrWhiteSpace(options.Value.RedisConfiguration)
                ? null
                : new RedisCacheBackend(options.Value.RedisConfiguration, options.Value.RedisTimeout);
            return new ResponseCache(options, sp.GetRequiredService<MemoryCacheBackend>(), redis, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ResponseCache>>());
        });
        services.TryAddSingleton<CachedUpstream>();
        services.TryAddSingleton<CachedEmbeddings>();
        services.TryAddSingleton<PrometheusExporter>();
        services.TryAddSingleton(sp => new OllamaRequestRules(sp.GetRequiredService<IOptions<LimitsOptions>>().Value));
        services.AddHostedService<UpstreamHealthMonitor>();
        builder.AddStorage();
        builder.AddVectorMemory();
        builder.AddGatewayAuth();
        builder.AddTaskQueue();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<Tasks.ITaskHandler, Agents.AgentRunTaskHandler>());

        // After the store's initializer: with the database up, agent files are loaded before the gateway serves.
        services.AddHostedService<Agents.AgentFileLoader>();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) => ApplyLimits(kestrel, limits.Value));
        return builder;
    }

    /// <summary>The middleware and every surface's routes.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        // The exporter listens from the start: measurements made before its first scrape would be lost otherwise.
        app.Services.GetRequiredService<PrometheusExporter>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<GatewayExceptionMiddleware>();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });

        // Preflights are answered before authentication (browsers send them without credentials).
        app.UseCors(GatewayCorsOptions.Policy);

        // Before every endpoint, WebSocket upgrades included: closed by default.
        app.UseAuthentication();
        app.UseMiddleware<Auth.AccessMiddleware>();
        app.MapSutazApi();
        app.MapOpenAiApi();
        app.MapOllamaApi();
        app.MapTaskApi();
        app.MapTaskSocket();
        app.MapCacheApi();
        app.MapToolApi();
        app.MapAgentApi();
        app.MapAgentExecutionApi();
        app.MapVectorApi();
        app.MapDocumentApi();
        app.MapAuthApi();
        return app;
    }

    private static void ApplyLimits(KestrelServerOptions kestrel, LimitsOptions limits)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
        kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
        kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
        kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineSize;
        kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
        kestrel.Limits.Http2.MaxStreamsPerConnection = limits.MaxStreamsPerConnection;
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
    }
}
