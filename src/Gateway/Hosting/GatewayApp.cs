namespace SutazAi.Gateway.Hosting;

/// <summary>Builds the gateway application; Program runs it, functional tests start it on 127.0.0.1:0.</summary>
internal static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGateway();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGateway();
        return app;
    }
}
