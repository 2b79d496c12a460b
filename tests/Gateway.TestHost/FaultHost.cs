using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.TestHost;

/// <summary>The gateway exactly as shipped, plus the fault hooks below; settings and arguments as for the real one.</summary>
internal static class FaultHost
{
    public static async Task Main(string[] args) => await GatewayApp.Build(args, AddFaultHooks).RunAsync().ConfigureAwait(false);

    /// <summary>SIGKILL to this process: nothing after this line runs, nothing is flushed or released.</summary>
    public static void KillNow()
    {
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    private static void AddFaultHooks(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpClient();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, CrashTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, ThrowTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, SideEffectTaskHandler>());

        // The real store, wrapped so an enqueue can die right before or right after it is stored.
        var real = services.Single(d => d.ServiceType == typeof(ITaskStore));
        services.Remove(real);
        services.AddSingleton<ITaskStore>(sp => new CrashingTaskStore((ITaskStore)real.ImplementationFactory!(sp)));
    }
}
