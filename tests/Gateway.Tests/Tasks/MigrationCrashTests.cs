using System.Net;
using System.Text;
using Npgsql;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>
/// RELIABILITY.md ST-02, second half: the gateway is killed (SIGKILL) while its migration is half-way through. The
/// migration runs in one transaction, so nothing of it remains, and the next start applies it cleanly.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class MigrationCrashTests(PostgresServer server)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Migration_KilledHalfWay_LeavesNothingAndTheNextStartAppliesItCleanly()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var connection = await server.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connection,
            ["Ollama:Servers:0"] = fake.BaseUri.ToString(),
            ["Tasks:PollInterval"] = "00:00:00.050",
        };

        // Hold the migration half-way: with schema_migrations share-locked by this session, the gateway's migration
        // transaction creates every table of the script, then blocks on recording the version.
        await using var holder = new NpgsqlConnection(connection);
        await holder.OpenAsync();
        await Execute(holder, "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)");
        await using var hold = await holder.BeginTransactionAsync();
        await Execute(holder, "LOCK TABLE schema_migrations IN SHARE MODE");

        // Activity is watched from another session: inside a transaction pg_stat_activity keeps its first snapshot.
        await using var watcher = new NpgsqlConnection(connection);
        await watcher.OpenAsync();
        int migrator;
        await using (var gateway = await GatewayProcess.StartAsync(settings, worker: true))
        {
            migrator = await WaitForAsync(watcher, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO schema_migrations%'");
            await gateway.KillAsync();
        }

        await hold.RollbackAsync();
        // The backend of the killed gateway finds its client gone at the next read and rolls back (bounded poll).
        await WaitForAsync(watcher, $"SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = {migrator})");

        Assert.Null(await Scalar(holder, "SELECT to_regclass('public.tasks')::text"));
        Assert.Null(await Scalar(holder, "SELECT to_regclass('public.task_events')::text"));
        Assert.Equal(0L, await Scalar(holder, "SELECT COUNT(*) FROM schema_migrations"));

        await using var restarted = await GatewayProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = restarted.BaseAddress, Timeout = Deadline };
        TestAuth.Authorize(http);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        var created = await http.PostAsync("/api/v1/tasks", new StringContent("""{"task_type":"echo","payload":{"after":"crash"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(1L, await Scalar(holder, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1"));
        Assert.Equal(1L, await Scalar(holder, "SELECT COUNT(*) FROM tasks"));
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <summary>Polls (every 50 ms, bounded) until the query returns a row; returns its first column.</summary>
    private static async Task<int> WaitForAsync(NpgsqlConnection connection, string sql)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            if (await Scalar(connection, sql) is { } value)
            {
                return Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }
}
