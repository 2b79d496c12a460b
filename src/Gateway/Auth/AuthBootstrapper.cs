using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Storage.Auth;

namespace SutazAi.Gateway.Auth;

/// <summary>
/// The first admin key. With <c>Auth:BootstrapAdminKey</c> set, that key is the admin (nothing is stored). Otherwise,
/// when the store holds no key at all, the first start creates an admin key under a fixed id (so of several replicas
/// starting together only one does), prints it once on standard output, and stores only its hash.
/// </summary>
internal sealed partial class AuthBootstrapper(IOptions<AuthOptions> options, ApiKeyStore store, StoreHealth health, TimeProvider time,
    ILogger<AuthBootstrapper> log) : BackgroundService
{
    public const string FirstKeyId = "0000000000000001";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(log);
            return;
        }

        if (options.Value.BootstrapAdminKey is not null)
        {
            return;
        }

        // After the migrations (the database may come up after the gateway).
        while (!health.Migrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken).ConfigureAwait(false);
        }

        if (await store.AnyAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var (_, key, hash) = ApiKeySecrets.Create();
        var secret = key[(ApiKeySecrets.Prefix.Length + 17)..];
        var first = $"{ApiKeySecrets.Prefix}{FirstKeyId}-{secret}";
        var record = new ApiKeyRecord(FirstKeyId, "first admin (created at first start)", hash, Roles.Admin, null, null, null, null, null, null, false, null, null,
            time.GetUtcNow());
        if (await store.InsertAsync(record, stoppingToken).ConfigureAwait(false))
        {
            // Standard output, not the log: the key is shown this once and must not end up in log storage.
            await Console.Out.WriteLineAsync($"""

                ================================================================================
                 No API key existed: this admin key was created. It is shown only now; store it.
                   {first}
                 Create more with POST /api/v1/auth/keys; revoke this one once you have.
                ================================================================================

                """).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication is disabled (Auth:Enabled=false): every request is the local admin. Allowed on loopback only.")]
    private static partial void LogDisabled(ILogger logger);
}
