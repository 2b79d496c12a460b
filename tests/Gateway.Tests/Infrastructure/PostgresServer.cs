using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: initdb in a temporary directory, started on a free loopback
/// port, stopped and deleted at the end. Each test gets its
/// own database; outage tests stop and start the cluster (the collection runs its tests one at a time).
/// PostgreSQL missing is a failure, not a skip (scripts/test.sh installs it).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _directory;
    private string? _binaries;
    private string _adminConnection = "";
    private int _port;

    public async Task InitializeAsync()
    {
        _binaries = Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql; run scripts/test.sh (it installs them).");
        _directory = Directory.CreateTempSubdirectory("sutazai-pg-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // The postgres user (tools run as it when the tests run as root) must be able to write here.
            File.SetUnixFileMode(_directory, (UnixFileMode)0x1FF);
        }
        _port = FreePort();
        await RunAsync("initdb", $"-D {_directory}/data -U postgres -A trust --no-sync -E UTF8");
        await StartAsync();
        _adminConnection = $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=false";
    }

    public Task StartAsync() => RunAsync("pg_ctl",
        $"-D {_directory}/data -w -t 60 -l {_directory}/log -o \"-p {_port} -c listen_addresses=127.0.0.1 -k {_directory} -c fsync=off -c max_connections=200\" start");

    /// <summary>An outage: "fast" closes client connections and stops; "immediate" is a crash-like stop.</summary>
    public Task StopAsync(string mode = "fast") => RunAsync("pg_ctl", $"-D {_directory}/data -m {mode} -w stop");

    /// <summary>A fresh, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(_adminConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(_adminConnection) { Database = name, Pooling = true, MaxPoolSize = 50 }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        await RunAsync("pg_ctl", $"-D {_directory}/data -m immediate -w stop");
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>PostgreSQL refuses to run as root: as root the tools run as the postgres user.</summary>
    private async Task RunAsync(string tool, string arguments)
    {
        var path = Path.Combine(_binaries!, tool);
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : path, asRoot ? $"-u postgres -- {path} {arguments}" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
