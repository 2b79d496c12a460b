using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.Hosting;

internal static class StorageHostingExtensions
{
    /// <summary>The store (PostgreSQL when ConnectionStrings:Postgres is set, else SQLite) and its migrations at start.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Configure<IConfiguration>((options, configuration) => options.PostgresConnectionString = configuration.GetConnectionString("Postgres"))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton<Database>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return string.IsNullOrWhiteSpace(options.PostgresConnectionString)
                ? new SqliteDatabase(Path.Combine(options.DataDirectory, "sutazai.db"))
                : new PostgresDatabase(options.PostgresConnectionString);
        });
        services.TryAddSingleton<MigrationRunner>();
        services.TryAddSingleton<ITaskStore>(sp =>
        {
            var database = sp.GetRequiredService<Database>();
            var time = sp.GetRequiredService<TimeProvider>();
            return database.Provider == StoreProvider.Postgres ? new PostgresTaskStore(database, time) : new SqliteTaskStore(database, time);
        });

        // Registered before the workers, so migrations are applied before the first claim.
        services.AddHostedService<StorageInitializer>();
        services.TryAddSingleton<StoreHealth>();
        services.AddHostedService<StoreHealthMonitor>();
        return builder;
    }

    /// <summary>Task handlers, the workers of this replica and their options.</summary>
    public static IHostApplicationBuilder AddTaskQueue(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TaskQueueOptions>().BindConfiguration(TaskQueueOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskQueueOptions>, TaskQueueOptionsValidator>());
        services.TryAddSingleton<TaskSignal>();
        services.TryAddSingleton<QueueDepth>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, ChatTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, ChatBatchTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, EmbedTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, ModelPullTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, EchoTaskHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, CacheWarmTaskHandler>());
        services.AddHostedService<TaskWorkerService>();
        services.AddHostedService<PostgresTaskWakeups>();
        return builder;
    }
}
