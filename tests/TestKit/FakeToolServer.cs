using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SutazAi.TestKit;

/// <summary>
/// An external service with a side effect, as a tool or webhook target would be: POST /effect applies its effect once
/// per Idempotency-Key and answers a repeated key with the first receipt (the way Stripe-style APIs dedupe). It
/// records every call, so a test can tell calls (at least once) from effects (exactly once).
/// </summary>
public sealed class FakeToolServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _receipts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string?> _calls = new();
    private int _effects;

    private FakeToolServer(WebApplication app) => _app = app;

    public Uri EffectUri { get; private set; } = null!;

    /// <summary>The Idempotency-Key of every call, in arrival order (null when a call had none).</summary>
    public IReadOnlyList<string?> Calls => [.. _calls];

    /// <summary>How many times the effect was actually applied.</summary>
    public int Effects
    {
        get
        {
            lock (_receipts)
            {
                return _effects;
            }
        }
    }

    public static async Task<FakeToolServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeToolServer(app);
        app.MapPost("/effect", (HttpRequest request) =>
        {
            var key = request.Headers["Idempotency-Key"].ToString();
            server._calls.Enqueue(key.Length == 0 ? null : key);
            if (key.Length == 0)
            {
                return Results.BadRequest("Idempotency-Key required");
            }

            lock (server._receipts)
            {
                if (!server._receipts.TryGetValue(key, out var receipt))
                {
                    server._receipts[key] = receipt = $"effect-{++server._effects}";
                }

                return Results.Text(receipt);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.EffectUri = new Uri(address + "/effect");
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
