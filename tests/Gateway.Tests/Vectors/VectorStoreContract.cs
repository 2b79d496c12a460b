using System.Text.Json;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Vectors;

namespace SutazAi.Gateway.Tests.Vectors;

/// <summary>
/// What every vector store must do, run against the embedded store (SQLite and PostgreSQL) and the Qdrant store (a
/// fake Qdrant that checks each request against Qdrant's OpenAPI document). <c>Replica</c> is a second store on the
/// same backend, as a second gateway replica would have.
/// </summary>
public abstract class VectorStoreContract : IAsyncLifetime
{
    private static readonly string[] XY = ["x", "y"];
    private static readonly string[] Y = ["y"];
    private static readonly string[] Z = ["z"];

    private protected IVectorStore Store { get; private set; } = null!;

    private protected IVectorStore Replica { get; private set; } = null!;

    private protected abstract Task<(IVectorStore Store, IVectorStore Replica)> CreateAsync();

    /// <summary>Checks made after each test (the Qdrant fake: no request broke the schema).</summary>
    protected virtual void AssertWireClean()
    {
    }

    public async Task InitializeAsync() => (Store, Replica) = await CreateAsync();

    public virtual Task DisposeAsync()
    {
        AssertWireClean();
        return Task.CompletedTask;
    }

    private static Dictionary<string, JsonElement> Payload(params (string Key, object Value)[] values) =>
        values.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal);

    private static VectorPoint Point(string id, float[] vector, params (string Key, object Value)[] payload) => new(id, vector, Payload(payload));

    private static string Id(int n) => $"00000000-0000-0000-0000-{n:D12}";

    [Fact]
    public async Task Collections_AreCreatedOnce_ListedAndDeleted()
    {
        Assert.True(await Store.CreateCollectionAsync("notes", 3, VectorDistance.Cosine, default));
        Assert.False(await Replica.CreateCollectionAsync("notes", 8, VectorDistance.Dot, default));

        var notes = await Replica.GetCollectionAsync("notes", default);
        Assert.Equal(new VectorCollection("notes", 3, VectorDistance.Cosine, 0), notes);
        Assert.Contains(await Store.ListCollectionsAsync(default), c => c.Name == "notes");
        Assert.Null(await Store.GetCollectionAsync("missing", default));
        Assert.True(await Replica.DeleteCollectionAsync("notes", default));
        Assert.Null(await Store.GetCollectionAsync("notes", default));
        Assert.False(await Store.DeleteCollectionAsync("notes", default));
    }

    [Fact]
    public async Task Search_RanksByCosine_AndReturnsPayloads()
    {
        await Store.CreateCollectionAsync("c", 3, VectorDistance.Cosine, default);
        await Store.UpsertAsync("c", [
            Point(Id(1), [1, 0, 0], ("text", "east")),
            Point(Id(2), [0, 1, 0], ("text", "north")),
            Point(Id(3), [0.9f, 0.1f, 0], ("text", "mostly east")),
        ], default);

        var matches = await Replica.SearchAsync("c", new float[] { 2, 0, 0 }, 2, VectorFilter.None, null, default);

        Assert.Equal([Id(1), Id(3)], matches.Select(m => m.Id));
        Assert.Equal(1.0, matches[0].Score, 4);
        Assert.Equal(0.9 / Math.Sqrt(0.82), matches[1].Score, 4);
        Assert.Equal("mostly east", matches[1].Payload["text"].GetString());
        Assert.Equal(3, (await Replica.GetCollectionAsync("c", default))!.PointsCount);
    }

    [Fact]
    public async Task Search_WithFilters_OnlySeesMatchingPayloads_IncludingArrayValues()
    {
        await Store.CreateCollectionAsync("m", 2, VectorDistance.Cosine, default);
        await Store.UpsertAsync("m", [
            Point(Id(1), [1, 0], ("owner", "alice"), ("agent", "a1"), ("tags", XY)),
            Point(Id(2), [1, 0], ("owner", "bob"), ("agent", "a1"), ("tags", Y)),
            Point(Id(3), [1, 0], ("owner", "alice"), ("agent", "a2"), ("tags", Z)),
        ], default);

        var alice = await Replica.SearchAsync("m", new float[] { 1, 0 }, 10, VectorFilter.Of(("owner", "alice"), ("agent", "a1")), null, default);
        var tagged = await Replica.SearchAsync("m", new float[] { 1, 0 }, 10, VectorFilter.Of(("tags", "y")), null, default);

        Assert.Equal([Id(1)], alice.Select(m => m.Id));
        Assert.Equal([Id(1), Id(2)], tagged.Select(m => m.Id).Order());
        Assert.Equal(2, await Replica.CountAsync("m", VectorFilter.Of(("owner", "alice")), default));
        Assert.Equal(3, await Replica.CountAsync("m", VectorFilter.None, default));
    }

    [Fact]
    public async Task Upsert_ReplacesByIdAndDelete_ByIdsOrFilter_IsSeenByTheOtherReplica()
    {
        await Store.CreateCollectionAsync("d", 2, VectorDistance.Cosine, default);
        await Store.UpsertAsync("d", [Point(Id(1), [1, 0], ("doc", "a")), Point(Id(2), [0, 1], ("doc", "a")), Point(Id(3), [1, 1], ("doc", "b"))], default);
        Assert.Equal(3, await Replica.CountAsync("d", VectorFilter.None, default));

        await Replica.UpsertAsync("d", [Point(Id(1), [0, 1], ("doc", "b"))], default);
        var top = await Store.SearchAsync("d", new float[] { 0, 1 }, 1, VectorFilter.Of(("doc", "b")), null, default);
        Assert.Equal(Id(1), top[0].Id);
        Assert.Equal("b", top[0].Payload["doc"].GetString());

        await Replica.DeleteAsync("d", [Id(3)], default);
        Assert.Equal(2, await Store.CountAsync("d", VectorFilter.None, default));
        await Store.DeleteAsync("d", VectorFilter.Of(("doc", "a")), default);
        var left = await Replica.SearchAsync("d", new float[] { 1, 1 }, 10, VectorFilter.None, null, default);
        Assert.Equal([Id(1)], left.Select(m => m.Id));
    }

    [Fact]
    public async Task ScoreThreshold_DropsWeakMatches()
    {
        await Store.CreateCollectionAsync("t", 2, VectorDistance.Cosine, default);
        await Store.UpsertAsync("t", [Point(Id(1), [1, 0]), Point(Id(2), [0, 1]), Point(Id(3), [1, 1])], default);

        var strong = await Store.SearchAsync("t", new float[] { 1, 0 }, 10, VectorFilter.None, 0.5, default);

        Assert.Equal([Id(1), Id(3)], strong.Select(m => m.Id));
    }

    [Fact]
    public async Task DotProduct_Collections_ScoreByRawDotProduct()
    {
        await Store.CreateCollectionAsync("dot", 2, VectorDistance.Dot, default);
        await Store.UpsertAsync("dot", [Point(Id(1), [1, 0]), Point(Id(2), [3, 0])], default);

        var matches = await Store.SearchAsync("dot", new float[] { 2, 0 }, 2, VectorFilter.None, null, default);

        Assert.Equal([Id(2), Id(1)], matches.Select(m => m.Id));
        Assert.Equal(6.0, matches[0].Score, 4);
    }

    [Fact]
    public async Task WrongDimensions_AndMissingCollections_AreClientErrors()
    {
        await Store.CreateCollectionAsync("w", 3, VectorDistance.Cosine, default);

        var upsert = await Assert.ThrowsAsync<GatewayException>(() => Store.UpsertAsync("w", [Point(Id(1), [1, 0])], default));
        var missing = await Assert.ThrowsAsync<GatewayException>(() => Store.SearchAsync("nope", new float[] { 1, 0, 0 }, 1, VectorFilter.None, null, default));

        Assert.Equal(ErrorKind.InvalidRequest, upsert.Kind);
        Assert.Contains("dimension", upsert.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Equal(0, await Store.CountAsync("w", VectorFilter.None, default));
    }

    [Fact]
    public async Task ACollectionDeletedAndCreatedAgain_StartsEmpty_OnEveryReplica()
    {
        await Store.CreateCollectionAsync("r", 2, VectorDistance.Cosine, default);
        await Store.UpsertAsync("r", [Point(Id(1), [1, 0])], default);
        Assert.Single(await Replica.SearchAsync("r", new float[] { 1, 0 }, 5, VectorFilter.None, null, default));

        await Store.DeleteCollectionAsync("r", default);
        await Store.CreateCollectionAsync("r", 2, VectorDistance.Cosine, default);

        Assert.Empty(await Replica.SearchAsync("r", new float[] { 1, 0 }, 5, VectorFilter.None, null, default));
    }

    [Fact]
    public async Task IntegerIds_RoundTrip()
    {
        await Store.CreateCollectionAsync("i", 2, VectorDistance.Cosine, default);
        await Store.UpsertAsync("i", [Point("42", [1, 0])], default);

        var match = Assert.Single(await Replica.SearchAsync("i", new float[] { 1, 0 }, 5, VectorFilter.None, null, default));

        Assert.Equal("42", match.Id);
        await Replica.DeleteAsync("i", ["42"], default);
        Assert.Equal(0, await Store.CountAsync("i", VectorFilter.None, default));
    }
}
