using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Vectors;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Vectors;

/// <summary>The Qdrant store against FakeQdrant, which answers like Qdrant and refuses any request its OpenAPI document does not allow.</summary>
public sealed class QdrantVectorStoreTests : VectorStoreContract
{
    private FakeQdrant _fake = null!;

    private protected override async Task<(IVectorStore Store, IVectorStore Replica)> CreateAsync()
    {
        _fake = await FakeQdrant.StartAsync();
        _fake.ApiKey = "qdrant-secret";
        var options = new QdrantOptions { Url = _fake.BaseUri, ApiKey = "qdrant-secret" };
        return (new QdrantVectorStore(options), new QdrantVectorStore(options));
    }

    protected override void AssertWireClean() => Assert.Empty(_fake.SchemaViolations);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        ((IDisposable)Store).Dispose();
        ((IDisposable)Replica).Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task CreatedCollections_GetKeywordIndexesForTheFilteredKeys()
    {
        await Store.CreateCollectionAsync("k", 4, VectorDistance.Cosine, default);

        var indexed = _fake.Requests.Where(r => r.Path == "/collections/k/index").Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement);

        Assert.Equal(["agent", "document_id", "kind", "owner"], indexed.Select(i => i.GetProperty("field_name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(indexed, i => Assert.Equal("keyword", i.GetProperty("field_schema").GetString()));
    }

    [Fact]
    public async Task AnUnreachableOrFailingQdrant_IsA503_NeverA500()
    {
        _fake.FailNextRequests = 1;
        var failing = await Assert.ThrowsAsync<Errors.GatewayException>(() => Store.ListCollectionsAsync(default));
        using var nowhere = new QdrantVectorStore(new QdrantOptions { Url = new Uri("http://127.0.0.1:9/") });
        var unreachable = await Assert.ThrowsAsync<Errors.GatewayException>(() => nowhere.ListCollectionsAsync(default));
        using var wrongKey = new QdrantVectorStore(new QdrantOptions { Url = _fake.BaseUri, ApiKey = "wrong" });
        var refused = await Assert.ThrowsAsync<Errors.GatewayException>(() => wrongKey.ListCollectionsAsync(default));

        Assert.Equal(503, failing.StatusCode);
        Assert.Equal(503, unreachable.StatusCode);
        Assert.Equal(503, refused.StatusCode);
        Assert.Contains("credentials", refused.Message, StringComparison.Ordinal);
    }
}
