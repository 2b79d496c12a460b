using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Vectors;

/// <summary>
/// /api/v1/documents and /api/v1/vectors end to end: FakeOllama embeds (bag of words, so passages sharing words with
/// the query rank first), the chunks go to the configured vector store, and the embedded store (SQLite) or Qdrant
/// (FakeQdrant, every request checked against Qdrant's schema) holds them.
/// </summary>
public abstract class DocumentApiContract
{
    private protected const string Model = "llama3:latest";

    private protected abstract Task<(Dictionary<string, string?> Settings, FakeQdrant? Qdrant)> BackendAsync();

    private protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private protected static async Task<JsonElement> DataAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("data");
    }

    private async Task<(FakeOllama Fake, GatewayFactory Gateway, FakeQdrant? Qdrant)> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var fake = await FakeOllama.StartAsync(Model, "nomic-embed-text:latest");
        fake.EmbeddingDimensions = 64;
        var (settings, qdrant) = await BackendAsync();
        settings["Vectors:ChunkSize"] = "200";
        settings["Vectors:ChunkOverlap"] = "40";
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return (fake, new GatewayFactory([fake.BaseUri], settings), qdrant);
    }

    private static string LongText()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 12; i++)
        {
            text.Append("Paragraph ").Append(i).Append(" talks about gardening, compost and tomatoes in the spring. ");
            text.Append(i == 7 ? "The secret password of the lighthouse keeper is marmalade. " : "Nothing else happens here. ");
            text.Append("\n\n");
        }

        return text.ToString();
    }

    [Fact]
    public async Task Upload_ChunksEmbedsAndStores_ThenSearchFindsThePassage_AndDeleteRemovesIt()
    {
        var (fake, gateway, qdrant) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        var created = await client.PostAsync("/api/v1/documents", Json(JsonSerializer.Serialize(new { title = "Garden notes", content = LongText(), metadata = new { source = "test" } })));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var document = await DataAsync(created);
        var id = document.GetProperty("document_id").GetString()!;
        Assert.Equal($"/api/v1/documents/{id}", created.Headers.Location?.ToString());
        Assert.Equal("ready", document.GetProperty("status").GetString());
        Assert.Equal("nomic-embed-text", document.GetProperty("embedding_model").GetString());
        var chunks = document.GetProperty("chunks").GetInt32();
        Assert.InRange(chunks, 8, 20);
        var embedded = fake.RequestsTo("/api/embed").Sum(r => r.Json.GetProperty("input").GetArrayLength());
        Assert.Equal(chunks, embedded);
        Assert.All(fake.RequestsTo("/api/embed"), r => Assert.Equal("nomic-embed-text", r.Json.GetProperty("model").GetString()));

        var search = await DataAsync(await client.PostAsync("/api/v1/documents/search", Json("""{"query":"lighthouse keeper password","top_k":2}""")));
        var best = search.GetProperty("results")[0];
        Assert.Contains("marmalade", best.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(id, best.GetProperty("document_id").GetString());
        Assert.Equal("Garden notes", best.GetProperty("title").GetString());

        var read = await DataAsync(await client.GetAsync($"/api/v1/documents/{id}"));
        Assert.Equal("test", read.GetProperty("metadata").GetProperty("source").GetString());
        Assert.StartsWith("Paragraph 0 talks about gardening", read.GetProperty("content").GetString(), StringComparison.Ordinal);
        var list = await DataAsync(await client.GetAsync("/api/v1/documents"));
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.False(list.GetProperty("items")[0].TryGetProperty("content", out var listed) && listed.ValueKind != JsonValueKind.Null);

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/v1/documents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/documents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/documents/{id}")).StatusCode);
        var after = await DataAsync(await client.PostAsync("/api/v1/documents/search", Json("""{"query":"lighthouse keeper password"}""")));
        Assert.Equal(0, after.GetProperty("results").GetArrayLength());
        var stored = await DataAsync(await client.GetAsync("/api/v1/vectors/collections/sutazai_documents"));
        Assert.Equal(0, stored.GetProperty("points_count").GetInt64());
        if (qdrant is not null)
        {
            Assert.Empty(qdrant.SchemaViolations);
            Assert.Contains(qdrant.Requests, r => r.Path == "/collections/sutazai_documents/points/query");
        }
    }

    [Fact]
    public async Task MultipartUploads_OfMarkdownAndHtml_AreStoredAsTheirText()
    {
        var (fake, gateway, qdrant) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        using var markdown = new MultipartFormDataContent
        {
            { new StringContent("# Release notes\n\nThe **new** [gateway](https://example.com) streams `tokens`.\n\n![logo](x.png)"), "file", "notes.md" },
        };
        using var html = new MultipartFormDataContent();
        var page = new StringContent("<html><head><title>t</title><script>alert('x')</script></head><body><h1>Menu</h1><p>Soup &amp; bread</p><p>Tea</p></body></html>");
        page.Headers.ContentType = new MediaTypeHeaderValue("text/html");
        html.Add(page, "file", "menu.html");
        html.Add(new StringContent("Lunch menu"), "title");

        var md = await DataAsync(await client.PostAsync("/api/v1/documents", markdown));
        var web = await DataAsync(await client.PostAsync("/api/v1/documents", html));

        Assert.Equal("text/markdown", md.GetProperty("content_type").GetString());
        Assert.Equal("notes.md", md.GetProperty("title").GetString());
        var mdText = (await DataAsync(await client.GetAsync($"/api/v1/documents/{md.GetProperty("document_id").GetString()}"))).GetProperty("content").GetString();
        Assert.Equal("Release notes\n\nThe new gateway streams tokens.\n\nlogo", mdText);
        Assert.Equal("Lunch menu", web.GetProperty("title").GetString());
        var webText = (await DataAsync(await client.GetAsync($"/api/v1/documents/{web.GetProperty("document_id").GetString()}"))).GetProperty("content").GetString();
        Assert.Equal("Menu\n\nSoup & bread\n\nTea", webText);
        Assert.Empty(qdrant?.SchemaViolations ?? []);
    }

    [Fact]
    public async Task BadUploads_AreClientErrors_AndStoreNothing()
    {
        var (fake, gateway, _) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/v1/documents", Json("""{"title":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync("/api/v1/documents", Json("""{"content":"x","content_type":"application/pdf"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/v1/documents", Json("""{"content":"<p> </p>","content_type":"text/html"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/v1/documents/search", Json("""{"query":""}"""))).StatusCode);
        Assert.Equal(0, (await DataAsync(await client.GetAsync("/api/v1/documents"))).GetProperty("total").GetInt64());
        Assert.Empty(fake.RequestsTo("/api/embed"));
    }

    [Fact]
    public async Task AFailedEmbedding_LeavesNoDocumentBehind()
    {
        var (fake, gateway, _) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        fake.Script("/api/embed", _ => FakeReply.Error(500, "model crashed"));
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        var failed = await client.PostAsync("/api/v1/documents", Json("""{"content":"Some text to index."}"""));

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(0, (await DataAsync(await client.GetAsync("/api/v1/documents"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Vectors_Collections_UpsertByTextOrVector_SearchWithFilters_AndDelete()
    {
        var (fake, gateway, qdrant) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        var created = await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"faq","dimension":64}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("cosine", (await DataAsync(created)).GetProperty("distance").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"faq","dimension":64}"""))).StatusCode);

        var vector = string.Join(",", FakeOllama.BagOfWords("opening hours of the shop", 64).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var upserted = await DataAsync(await client.PostAsync("/api/v1/vectors/collections/faq/points", Json($$$"""
            {"points":[
              {"id":1,"vector":[{{{vector}}}],"payload":{"lang":"en","topic":"hours"}},
              {"text":"refund policy for returned items","payload":{"lang":"en","topic":"refunds"}},
              {"id":"6f1c2a52-8f7e-4f0b-9a55-7d9f0f6f3b11","text":"horaires d'ouverture du magasin","payload":{"lang":"fr"}}
            ]}
            """)));
        Assert.Equal(3, upserted.GetProperty("upserted").GetInt32());
        Assert.Equal("1", upserted.GetProperty("ids")[0].GetString());

        var byText = await DataAsync(await client.PostAsync("/api/v1/vectors/collections/faq/search", Json("""{"text":"what is the refund policy","top_k":1}""")));
        Assert.Equal("refunds", byText.GetProperty("results")[0].GetProperty("payload").GetProperty("topic").GetString());
        Assert.Equal("refund policy for returned items", byText.GetProperty("results")[0].GetProperty("payload").GetProperty("text").GetString());
        var filtered = await DataAsync(await client.PostAsync("/api/v1/vectors/collections/faq/search", Json("""{"text":"shop opening hours","filter":{"lang":"fr"}}""")));
        Assert.Equal(["6f1c2a52-8f7e-4f0b-9a55-7d9f0f6f3b11"], filtered.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var byVector = await DataAsync(await client.PostAsync("/api/v1/vectors/collections/faq/search", Json($$"""{"vector":[{{vector}}],"top_k":1}""")));
        Assert.Equal("1", byVector.GetProperty("results")[0].GetProperty("id").GetString());
        Assert.Equal(1.0, byVector.GetProperty("results")[0].GetProperty("score").GetDouble(), 3);

        await DataAsync(await client.PostAsync("/api/v1/vectors/collections/faq/points/delete", Json("""{"filter":{"lang":"en"}}""")));
        Assert.Equal(1, (await DataAsync(await client.GetAsync("/api/v1/vectors/collections/faq"))).GetProperty("points_count").GetInt64());
        await DataAsync(await client.PostAsync("/api/v1/vectors/collections/faq/points/delete", Json("""{"ids":["6f1c2a52-8f7e-4f0b-9a55-7d9f0f6f3b11"]}""")));
        Assert.Equal(0, (await DataAsync(await client.GetAsync("/api/v1/vectors/collections/faq"))).GetProperty("points_count").GetInt64());

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync("/api/v1/vectors/collections/faq")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/vectors/collections/faq")).StatusCode);
        Assert.Empty(qdrant?.SchemaViolations ?? []);
    }

    [Fact]
    public async Task Vectors_RefuseBadInput_AndTheGatewaysOwnCollections()
    {
        var (fake, gateway, _) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client();
        await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"v","dimension":3}"""));

        async Task<string?> FieldAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("details").GetProperty("field").GetString();
        }

        Assert.Equal("name", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"sutazai_memory","dimension":3}"""))));
        Assert.Equal("name", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"../etc","dimension":3}"""))));
        Assert.Equal("dimension", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"z","dimension":0}"""))));
        Assert.Equal("distance", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"z","dimension":3,"distance":"manhattan"}"""))));
        Assert.Equal("points[0].vector", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections/v/points", Json("""{"points":[{"vector":[1,2]}]}"""))));
        Assert.Equal("points[0].id", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections/v/points", Json("""{"points":[{"id":"abc","vector":[1,2,3]}]}"""))));
        Assert.Equal("vector", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections/v/search", Json("""{}"""))));
        Assert.Equal("filter.k", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections/v/search", Json("""{"vector":[1,2,3],"filter":{"k":1.5}}"""))));
        Assert.Equal("ids", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections/v/points/delete", Json("""{"filter":{}}"""))));
        Assert.Equal("name", await FieldAsync(await client.DeleteAsync("/api/v1/vectors/collections/sutazai_documents")));
        Assert.Equal("name", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections/sutazai_memory/search", Json("""{"vector":[1,2,3]}"""))));
        Assert.Equal("name", await FieldAsync(await client.PostAsync("/api/v1/vectors/collections", Json("""{"name":"x\n","dimension":3}"""))));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/vectors/collections/none/search", Json("""{"vector":[1,2,3]}"""))).StatusCode);
    }
}

public sealed class EmbeddedDocumentApiTests : DocumentApiContract
{
    private protected override Task<(Dictionary<string, string?> Settings, FakeQdrant? Qdrant)> BackendAsync() =>
        Task.FromResult<(Dictionary<string, string?>, FakeQdrant?)>(([], null));
}

[Collection(PostgresTests.Name)]
public sealed class PostgresDocumentApiTests(PostgresServer server) : DocumentApiContract
{
    private protected override async Task<(Dictionary<string, string?> Settings, FakeQdrant? Qdrant)> BackendAsync() =>
        (new() { ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync() }, null);
}

public sealed class QdrantDocumentApiTests : DocumentApiContract, IAsyncLifetime
{
    private readonly List<FakeQdrant> _fakes = [];

    private protected override async Task<(Dictionary<string, string?> Settings, FakeQdrant? Qdrant)> BackendAsync()
    {
        var fake = await FakeQdrant.StartAsync();
        _fakes.Add(fake);
        return (new() { ["Qdrant:Url"] = fake.BaseUri.ToString() }, fake);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var fake in _fakes)
        {
            await fake.DisposeAsync();
        }
    }
}
