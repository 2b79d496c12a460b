using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Auth;

/// <summary>
/// RELIABILITY.md AU-05: a key revoked through replica A stops working on A at once and on replica B within the key
/// cache lifetime (1 s here). Two gateway processes on one database: SQLite, and PostgreSQL.
/// </summary>
public abstract class RevocationAcrossReplicasContract
{
    private protected abstract Task<Dictionary<string, string?>> StoreAsync();

    [Fact]
    public async Task ARevokedKey_IsRefusedByTheOtherReplica_WithinTheCacheLifetime()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var settings = await StoreAsync();
        settings["Ollama:Servers:0"] = fake.BaseUri.ToString();
        settings["Auth:KeyCacheTtl"] = "00:00:01";
        await using var a = await GatewayProcess.StartAsync(settings);
        await using var b = await GatewayProcess.StartAsync(settings);
        using var adminA = TestAuth.Authorize(new HttpClient { BaseAddress = a.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });
        var created = JsonDocument.Parse(await (await adminA.PostAsync("/api/v1/auth/keys",
            new StringContent("""{"name":"carol"}""", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var key = created.GetProperty("key").GetString()!;
        using var onA = TestAuth.Authorize(new HttpClient { BaseAddress = a.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }, key);
        using var onB = TestAuth.Authorize(new HttpClient { BaseAddress = b.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }, key);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/tags")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/api/tags")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await adminA.DeleteAsync($"/api/v1/auth/keys/{created.GetProperty("id").GetString()}")).StatusCode);
        var revokedAt = Stopwatch.StartNew();

        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.GetAsync("/api/tags")).StatusCode);
        var status = HttpStatusCode.OK;
        while (revokedAt.Elapsed < TimeSpan.FromSeconds(15) && (status = (await onB.GetAsync("/api/tags")).StatusCode) == HttpStatusCode.OK)
        {
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.InRange(revokedAt.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }
}

public sealed class SqliteRevocationAcrossReplicasTests : RevocationAcrossReplicasContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sutazai-revoke-").FullName;

    private protected override Task<Dictionary<string, string?>> StoreAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _directory });

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

[Collection(PostgresTests.Name)]
public sealed class PostgresRevocationAcrossReplicasTests(PostgresServer server) : RevocationAcrossReplicasContract
{
    private protected override async Task<Dictionary<string, string?>> StoreAsync() =>
        new() { ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync() };
}
