using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.TestKitChecks;

public sealed class FakeQdrantTests : IAsyncLifetime, IDisposable
{
    private static readonly string Spec = FakeQdrant.SpecPath;
    private const string Uuid = "550e8400-e29b-41d4-a716-446655440000";
    private FakeQdrant _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeQdrant.StartAsync(Spec);
        _http = new HttpClient { BaseAddress = _fake.BaseUri };
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonElement Json)> Send(string method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.StartsWith('{') || text.StartsWith('[') ? JsonDocument.Parse(text).RootElement.Clone() : JsonSerializer.SerializeToElement(text);
        return (response.StatusCode, json);
    }

    private async Task Seed(string distance = "Cosine")
    {
        Assert.Equal(HttpStatusCode.OK, (await Send("PUT", "collections/mem", $$$"""{"vectors":{"size":4,"distance":"{{{distance}}}"}}""")).Status);
        var upsert = await Send("PUT", "collections/mem/points?wait=true", $$$"""
            {"points":[
              {"id":1,"vector":[1,0,0,0],"payload":{"owner":"alice","agent":"a1","text":"one","tags":["x","y"],"meta":{"lang":"en"},"n":5}},
              {"id":2,"vector":[0.9,0.1,0,0],"payload":{"owner":"bob","agent":"a1","text":"two","tags":["y"],"meta":{"lang":"de"},"n":7}},
              {"id":"{{{Uuid}}}","vector":[0,1,0,0],"payload":{"owner":"alice","agent":"a2","text":"three"}}]}
            """);
        Assert.Equal(HttpStatusCode.OK, upsert.Status);
        Assert.Equal("completed", upsert.Json.GetProperty("result").GetProperty("status").GetString());
    }

    private static string[] Ids(JsonElement points) => [.. points.EnumerateArray().Select(p => p.GetProperty("id").ToString())];

    [Fact]
    public async Task Full_gateway_flow_is_answered_like_qdrant_and_never_flagged()
    {
        _fake.StrictUnknownProperties = true; // stricter than the spec: passing here implies passing the plain spec
        await Seed();
        var list = await Send("GET", "collections");
        Assert.Equal("mem", list.Json.GetProperty("result").GetProperty("collections")[0].GetProperty("name").GetString());
        Assert.Equal("ok", list.Json.GetProperty("status").GetString());
        Assert.True((await Send("GET", "collections/mem/exists")).Json.GetProperty("result").GetProperty("exists").GetBoolean());
        Assert.False((await Send("GET", "collections/nope/exists")).Json.GetProperty("result").GetProperty("exists").GetBoolean());
        var info = (await Send("GET", "collections/mem")).Json.GetProperty("result");
        Assert.Equal("green", info.GetProperty("status").GetString());
        Assert.Equal(3, info.GetProperty("points_count").GetInt32());
        Assert.Equal(4, info.GetProperty("config").GetProperty("params").GetProperty("vectors").GetProperty("size").GetInt32());
        Assert.Equal("Cosine", info.GetProperty("config").GetProperty("params").GetProperty("vectors").GetProperty("distance").GetString());
        var index = await Send("PUT", "collections/mem/index?wait=true", """{"field_name":"owner","field_schema":"keyword"}""");
        Assert.Equal("completed", index.Json.GetProperty("result").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Send("PUT", "collections/mem/index", """{"field_name":"agent","field_schema":{"type":"keyword","is_tenant":true}}""")).Status);

        var query = await Send("POST", "collections/mem/points/query",
            """{"query":[1,0,0,0],"filter":{"must":[{"key":"owner","match":{"value":"alice"}}]},"limit":5,"with_payload":true,"with_vector":false}""");
        var points = query.Json.GetProperty("result").GetProperty("points");
        Assert.Equal(["1", Uuid], Ids(points));
        Assert.Equal(1.0, points[0].GetProperty("score").GetDouble(), 5);
        Assert.Equal(0.0, points[1].GetProperty("score").GetDouble(), 5);
        Assert.Equal("one", points[0].GetProperty("payload").GetProperty("text").GetString());
        Assert.False(points[0].TryGetProperty("vector", out _));
        Assert.Equal(0, points[0].GetProperty("version").GetInt32());

        var nearest = await Send("POST", "collections/mem/points/query",
            """{"query":{"nearest":[1,0,0,0]},"limit":2,"score_threshold":0.5,"with_payload":["owner"],"with_vector":true}""");
        points = nearest.Json.GetProperty("result").GetProperty("points");
        Assert.Equal(["1", "2"], Ids(points));
        Assert.False(points[0].GetProperty("payload").TryGetProperty("text", out _));
        Assert.Equal(4, points[0].GetProperty("vector").GetArrayLength());

        var count = await Send("POST", "collections/mem/points/count", """{"filter":{"must":[{"key":"owner","match":{"value":"alice"}}]},"exact":true}""");
        Assert.Equal(2, count.Json.GetProperty("result").GetProperty("count").GetInt32());

        var scroll = await Send("POST", "collections/mem/points/scroll", """{"limit":2,"with_payload":true}""");
        Assert.Equal(["1", "2"], Ids(scroll.Json.GetProperty("result").GetProperty("points")));
        Assert.Equal(Uuid, scroll.Json.GetProperty("result").GetProperty("next_page_offset").GetString());
        var scroll2 = await Send("POST", "collections/mem/points/scroll", $$"""{"limit":2,"offset":"{{Uuid}}","filter":null}""");
        Assert.Equal([Uuid], Ids(scroll2.Json.GetProperty("result").GetProperty("points")));
        Assert.Equal(JsonValueKind.Null, scroll2.Json.GetProperty("result").GetProperty("next_page_offset").ValueKind);

        var retrieved = await Send("POST", "collections/mem/points", $$"""{"ids":[2,"{{Uuid}}",99],"with_payload":true}""");
        Assert.Equal(["2", Uuid], Ids(retrieved.Json.GetProperty("result")));
        Assert.Equal("bob", (await Send("GET", "collections/mem/points/2")).Json.GetProperty("result").GetProperty("payload").GetProperty("owner").GetString());

        Assert.Equal(HttpStatusCode.OK, (await Send("POST", "collections/mem/points/delete?wait=true", """{"filter":{"must":[{"key":"owner","match":{"value":"alice"}}]}}""")).Status);
        Assert.Equal(1, (await Send("POST", "collections/mem/points/count", "{}")).Json.GetProperty("result").GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await Send("POST", "collections/mem/points/delete", """{"points":[2]}""")).Status);
        Assert.Equal(0, (await Send("POST", "collections/mem/points/count", "{}")).Json.GetProperty("result").GetProperty("count").GetInt32());
        Assert.True((await Send("DELETE", "collections/mem")).Json.GetProperty("result").GetBoolean());
        Assert.False((await Send("DELETE", "collections/mem")).Json.GetProperty("result").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await Send("GET", "healthz")).Status);

        Assert.Empty(_fake.SchemaViolations);
        Assert.Contains(_fake.Requests, r => r.Method == "PUT" && r.Path == "/collections/mem/points" && r.Query == "?wait=true" && r.Body.Contains("alice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("PUT", "collections/c2", """{"vectors":{"size":8,"distance":"Dot"},"hnsw_config":{"m":16},"on_disk_payload":true,"optimizers_config":null}""")]
    [InlineData("PUT", "collections/mem/points", """{"points":[{"id":"b3f7a7d2-8a4c-4f6b-9a53-0c9a5d0e1f22","vector":[0.1,0.2,0.3,0.4]},{"id":18446744073709551615,"vector":[1,2,3,4],"payload":null}]}""")]
    [InlineData("POST", "collections/mem/points/query", """{"query":[0.1,0.2,0.3,0.4],"filter":{"should":{"key":"owner","match":{"any":["alice","bob"]}},"must_not":[{"has_id":[2]}]},"with_payload":{"exclude":["text"]},"offset":0,"score_threshold":null}""")]
    [InlineData("POST", "collections/mem/points/query", """{"filter":{"must":[{"must":[{"key":"n","range":{"gte":5,"lt":7}}]},{"is_empty":{"key":"zzz"}},{"key":"meta.lang","match":{"value":"en"}}]},"limit":1}""")]
    [InlineData("POST", "collections/mem/points/scroll", """{"filter":{"must":[{"key":"tags","match":{"value":"y"}},{"key":"n","match":{"value":5}}]},"limit":100,"with_payload":false,"with_vector":false}""")]
    [InlineData("POST", "collections/mem/points/count", """{"filter":{"min_should":{"conditions":[{"key":"owner","match":{"value":"alice"}},{"key":"agent","match":{"value":"a1"}}],"min_count":2}}}""")]
    [InlineData("PUT", "collections/c3?timeout=30", """{"vectors":{"size":4,"distance":"Euclid","on_disk":true},"quantization_config":{"scalar":{"type":"int8","quantile":0.99,"always_ram":true}},"optimizers_config":{"indexing_threshold":20000},"sparse_vectors":{"bm25":{"modifier":"idf"}}}""")]
    [InlineData("POST", "collections/mem/points/query?consistency=majority&timeout=5", """{"query":{"nearest":[1,0,0,0]},"params":{"hnsw_ef":128,"exact":false},"using":null,"with_payload":{"include":["owner"]},"with_vector":true,"limit":3}""")]
    [InlineData("POST", "collections/mem/points/query", """{"query":[1,0,0,0],"filter":{"must":[{"key":"owner","match":{"except":["bob"]}},{"key":"text","match":{"text":"on"}},{"is_null":{"key":"owner"}}],"must_not":{"key":"owner","is_empty":true}}}""")]
    [InlineData("POST", "collections/mem/points/delete?wait=true&ordering=strong", """{"points":[1,"550e8400-e29b-41d4-a716-446655440000"]}""")]
    public async Task Valid_request_shapes_are_not_flagged(string method, string path, string body)
    {
        _fake.StrictUnknownProperties = true;
        await Seed();
        var (status, json) = await Send(method, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {json}");
        Assert.Empty(_fake.SchemaViolations);
    }

    [Theory]
    [InlineData("PUT", "collections/bad", """{"vectors":{"size":"four","distance":"Cosine"}}""", "$.vectors.size")]
    [InlineData("PUT", "collections/bad", """{"vectors":{"size":4,"distance":"cosine"}}""", "$.vectors.distance")]
    [InlineData("PUT", "collections/bad", """{"vectors":{"size":0,"distance":"Dot"}}""", "minimum")]
    [InlineData("PUT", "collections/bad", "", "EOF")]
    [InlineData("PUT", "collections/mem/points", """{"points":[{"id":-1,"vector":[1,0,0,0]}]}""", "$.points[0].id")]
    [InlineData("PUT", "collections/mem/points", """{"points":[{"id":"abc","vector":[1,0,0,0]}]}""", "$.points[0].id")]
    [InlineData("PUT", "collections/mem/points", """{"points":[{"id":1.0,"vector":[1,0,0,0]}]}""", "$.points[0].id")]
    [InlineData("PUT", "collections/mem/points", """{"points":[{"id":1}]}""", "missing required property 'vector'")]
    [InlineData("POST", "collections/mem/points/query", """{"query":[1,0,0,0],"limit":0}""", "$.limit")]
    [InlineData("POST", "collections/mem/points/query", """{"query":"abc"}""", "$.query")]
    [InlineData("POST", "collections/mem/points/query", """{"query":[1,0,0,0],"filter":{"must":[],"and":[]}}""", "unknown property 'and'")]
    [InlineData("POST", "collections/mem/points/query", """{"query":[1,0,0,0],"filter":{"must":[{"key":"owner","match":{"value":1.5}}]}}""", "$.filter.must")]
    [InlineData("POST", "collections/mem/points/count", """{"exact":"yes"}""", "$.exact")]
    [InlineData("POST", "collections/mem/points/count?timeout=0", """{}""", "timeout")]
    [InlineData("PUT", "collections/mem/points?wait=maybe", """{"points":[]}""", "wait")]
    [InlineData("POST", "collections/mem/points/scroll", """{not json""", "invalid JSON")]
    [InlineData("GET", "collections/mem/points/abc", "", "Path deserialize error: path parameter 'id' = 'abc'")]
    public async Task Schema_violations_get_400_and_are_recorded(string method, string path, string body, string expected)
    {
        await Seed();
        var (status, json) = await Send(method, path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.GetProperty("status").GetProperty("error").GetString()!;
        Assert.Contains(expected, error, StringComparison.Ordinal);
        var violation = Assert.Single(_fake.SchemaViolations);
        Assert.Contains(expected.Replace("Path deserialize error: ", "", StringComparison.Ordinal), violation, StringComparison.Ordinal);
        Console.WriteLine($"{method} {path} {body}\n  -> {error}");
    }

    [Fact]
    public async Task Unknown_top_level_property_is_only_flagged_in_strict_mode()
    {
        await Seed();
        // QueryRequest has no additionalProperties: false in the spec, and Qdrant ignores unknown fields.
        Assert.Equal(HttpStatusCode.OK, (await Send("POST", "collections/mem/points/query", """{"vector":[1,0,0,0],"top":3}""")).Status);
        Assert.Empty(_fake.SchemaViolations);
        _fake.StrictUnknownProperties = true;
        var (status, json) = await Send("POST", "collections/mem/points/query", """{"vector":[1,0,0,0],"top":3}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("unknown property 'vector'", json.GetProperty("status").GetProperty("error").GetString(), StringComparison.Ordinal);
        _fake.StrictUnknownProperties = true;
        Assert.Equal(HttpStatusCode.OK, (await Send("POST", "collections/mem/points/query",
            """{"query":{"nearest":[1,0,0,0]},"filter":{"must":[{"key":"owner","match":{"value":"alice"}}]},"with_payload":true}""")).Status);
        Assert.Single(_fake.SchemaViolations);
    }

    [Fact]
    public async Task Qdrant_errors_for_state()
    {
        await Seed();
        var duplicate = await Send("PUT", "collections/mem", """{"vectors":{"size":4,"distance":"Cosine"}}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal("Wrong input: Collection `mem` already exists!", duplicate.Json.GetProperty("status").GetProperty("error").GetString());
        var missing = await Send("GET", "collections/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("Not found: Collection `nope` doesn't exist!", missing.Json.GetProperty("status").GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Send("POST", "collections/nope/points/count", "{}")).Status);
        var dim = await Send("PUT", "collections/mem/points", """{"points":[{"id":9,"vector":[1,0,0]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, dim.Status);
        Assert.Equal("Wrong input: Vector dimension error: expected dim: 4, got 3", dim.Json.GetProperty("status").GetProperty("error").GetString());
        Assert.Equal(3, (await Send("POST", "collections/mem/points/count", "{}")).Json.GetProperty("result").GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await Send("GET", "collections/mem/points/77")).Status);
        Assert.Empty(_fake.SchemaViolations);
    }

    [Fact]
    public async Task Unsupported_routes_and_features_are_recorded()
    {
        await Seed();
        Assert.Equal(HttpStatusCode.NotFound, (await Send("POST", "collections/mem/points/search", """{"vector":[1,0,0,0],"limit":3}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send("PATCH", "collections/mem", """{"optimizers_config":{"indexing_threshold":1000}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send("POST", "collections/mem/points/query", """{"query":{"fusion":"rrf"},"prefetch":[{"query":[1,0,0,0]}]}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send("PUT", "collections/empty", """{"vectors":{"size":2,"distance":"Dot"}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send("POST", "collections/empty/points/count",
            """{"filter":{"must":[{"key":"loc","geo_radius":{"center":{"lon":0,"lat":0},"radius":1}}]}}""")).Status);
        var violations = _fake.SchemaViolations;
        Assert.Equal(4, violations.Count);
        Assert.Contains("unsupported route POST /collections/mem/points/search", violations[0], StringComparison.Ordinal);
        Assert.Contains("unsupported route PATCH /collections/mem", violations[1], StringComparison.Ordinal);
        Assert.Contains("prefetch", violations[2], StringComparison.Ordinal);
        Assert.Contains("geo_radius", violations[3], StringComparison.Ordinal);
        foreach (var v in violations)
        {
            Console.WriteLine(v);
        }
    }

    [Fact]
    public async Task Filters_follow_qdrant_semantics()
    {
        await Seed();
        async Task<string[]> Scroll(string filter) =>
            Ids((await Send("POST", "collections/mem/points/scroll", $$"""{"filter":{{filter}},"limit":10}""")).Json.GetProperty("result").GetProperty("points"));
        Assert.Equal(["1", "2"], await Scroll("""{"must":{"key":"tags","match":{"value":"y"}}}"""));
        Assert.Equal(["1"], await Scroll("""{"must":[{"key":"tags","match":{"any":["x","q"]}}]}"""));
        Assert.Equal(["2"], await Scroll("""{"must":[{"key":"meta.lang","match":{"value":"de"}}]}"""));
        Assert.Equal(["2", Uuid], await Scroll("""{"should":[{"key":"owner","match":{"value":"bob"}},{"key":"agent","match":{"value":"a2"}}]}"""));
        Assert.Equal(["2"], await Scroll("""{"must_not":[{"key":"owner","match":{"value":"alice"}}]}"""));
        Assert.Equal([Uuid], await Scroll("""{"must":[{"has_id":["550E8400-E29B-41D4-A716-446655440000"]}]}"""));
        Assert.Equal(["1"], await Scroll("""{"must":[{"must":[{"key":"n","match":{"value":5}}]},{"key":"agent","match":{"value":"a1"}}]}"""));
        Assert.Equal(Array.Empty<string>(), await Scroll("""{"should":[]}"""));
        Assert.Equal([Uuid], await Scroll("""{"must":[{"is_empty":{"key":"tags"}}]}"""));
        Assert.Equal(["2"], await Scroll("""{"must":[{"key":"n","range":{"gt":5}}]}"""));
        Assert.Empty(_fake.SchemaViolations);
    }

    [Fact]
    public async Task Dot_and_euclid_scores()
    {
        await Seed("Euclid");
        var points = (await Send("POST", "collections/mem/points/query", """{"query":[0,1,0,0],"limit":3}""")).Json.GetProperty("result").GetProperty("points");
        Assert.Equal([Uuid, "2", "1"], Ids(points));
        Assert.Equal(0.0, points[0].GetProperty("score").GetDouble(), 5);
        Assert.Equal(Math.Sqrt(0.81 + 0.81), points[1].GetProperty("score").GetDouble(), 5);
        Assert.Equal(HttpStatusCode.OK, (await Send("PUT", "collections/dot", """{"vectors":{"size":2,"distance":"Dot"}}""")).Status);
        await Send("PUT", "collections/dot/points", """{"points":[{"id":1,"vector":[1,1]},{"id":2,"vector":[3,0]},{"id":3,"vector":[-1,0]}]}""");
        points = (await Send("POST", "collections/dot/points/query", """{"query":[1,0.5],"limit":2,"with_vector":true}""")).Json.GetProperty("result").GetProperty("points");
        Assert.Equal(["2", "1"], Ids(points));
        Assert.Equal(3.0, points[0].GetProperty("score").GetDouble(), 5);
        Assert.Equal(3.0, points[0].GetProperty("vector")[0].GetDouble(), 5);
        Assert.Empty(_fake.SchemaViolations);
    }

    [Fact]
    public async Task Api_key_and_failure_injection()
    {
        _fake.ApiKey = "secret";
        var missing = await Send("GET", "collections");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Equal("Must provide an API key or an Authorization bearer token", missing.Json.GetProperty("status").GetProperty("error").GetString());
        _http.DefaultRequestHeaders.Add("api-key", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send("GET", "collections")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send("GET", "healthz")).Status);
        _http.DefaultRequestHeaders.Remove("api-key");
        _http.DefaultRequestHeaders.Add("api-key", "secret");
        Assert.Equal(HttpStatusCode.OK, (await Send("GET", "collections")).Status);
        _fake.FailNextRequests = 2;
        var failed = await Send("GET", "collections");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Equal("Service unavailable", failed.Json.GetProperty("status").GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Send("GET", "collections")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send("GET", "collections")).Status);
        Assert.Equal(0, _fake.FailNextRequests);
        Assert.Equal(7, _fake.Requests.Count);
        Assert.Empty(_fake.SchemaViolations);
    }

    [Fact]
    public async Task Parallel_upserts_are_all_kept()
    {
        await Seed();
        await Task.WhenAll(Enumerable.Range(100, 40).Select(i =>
            Send("PUT", "collections/mem/points?wait=true", $$$"""{"points":[{"id":{{{i}}},"vector":[{{{i}}},1,0,0],"payload":{"owner":"p"}}]}""")));
        Assert.Equal(43, (await Send("POST", "collections/mem/points/count", "{}")).Json.GetProperty("result").GetProperty("count").GetInt32());
        var ids = Ids((await Send("POST", "collections/mem/points/scroll", """{"limit":5,"offset":100,"with_payload":false}""")).Json.GetProperty("result").GetProperty("points"));
        Assert.Equal(["100", "101", "102", "103", "104"], ids);
        Assert.Empty(_fake.SchemaViolations);
    }
}
