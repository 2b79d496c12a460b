using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SutazAi.TestKit;

/// <summary>
/// A real Kestrel server on 127.0.0.1:0 that speaks the subset of Qdrant's REST API a gateway uses (collections,
/// payload indexes, upsert / retrieve / delete / query / scroll / count points, health) with in-memory state.
/// Every request is checked against the Qdrant OpenAPI document first: a body or query parameter that breaks the
/// schema gets Qdrant's 400 and is listed in <see cref="SchemaViolations"/>, as are routes and features the fake
/// does not implement, so a test can assert that list stays empty.
/// </summary>
public sealed class FakeQdrant : IAsyncDisposable
{
    private const string Collection = "/collections/{collection_name}";
    private readonly WebApplication _app;
    private readonly OpenApiValidator _validator;
    private readonly ConcurrentQueue<QdrantRecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, QdrantCollection> _collections = new(StringComparer.Ordinal);
    private long _operationId;
    private int _failNext;

    private FakeQdrant(WebApplication app, OpenApiValidator validator)
    {
        _app = app;
        _validator = validator;
    }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Every request received, in arrival order, including rejected ones.</summary>
    public IReadOnlyList<QdrantRecordedRequest> Requests => [.. _requests];

    /// <summary>"METHOD /path: what" for each request that broke the spec or used a route/feature the fake lacks.</summary>
    public IReadOnlyList<string> SchemaViolations => [.. _violations];

    /// <summary>When set, requests need header <c>api-key: value</c> (or <c>Authorization: Bearer value</c>); else 401.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Answer the next N requests with 503 (after validation and the API key check).</summary>
    public int FailNextRequests
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    /// <summary>Also flag object properties the spec does not list (Qdrant itself silently ignores them).</summary>
    public bool StrictUnknownProperties { get; set; }

    /// <summary>The copy of Qdrant's OpenAPI document that ships next to TestKit.</summary>
    public static string SpecPath => Path.Combine(AppContext.BaseDirectory, "Specs", "qdrant-openapi.json");

    /// <summary>Starts with the bundled spec and strict property checks (a misspelt field is a violation, not ignored).</summary>
    public static async Task<FakeQdrant> StartAsync()
    {
        var fake = await StartAsync(SpecPath);
        fake.StrictUnknownProperties = true;
        return fake;
    }

    public static async Task<FakeQdrant> StartAsync(string specPath)
    {
        var validator = OpenApiValidator.Load(specPath);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeQdrant(app, validator);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUri = new Uri(address + "/");
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
        var (method, path) = (request.Method, request.Path.Value ?? "/");
        _requests.Enqueue(new QdrantRecordedRequest { Method = method, Path = path, Query = request.QueryString.Value ?? "", Body = body });

        var operation = _validator.FindOperation(method, path);
        var queryError = operation is { } op ? _validator.ValidateParameters(op.PathItem, op.Operation, op.PathValues, request.Query) : null;
        var bodyError = operation is { } op2 ? _validator.ValidateBody(op2.Operation, body, StrictUnknownProperties) : null;
        foreach (var error in new[] { queryError, bodyError }.OfType<string>())
        {
            _violations.Enqueue($"{method} {path}: {error}");
        }

        if (operation is null)
        {
            _violations.Enqueue($"unsupported route {method} {path}: no such operation in the Qdrant spec"); // recorded even if 401/503 follow
        }

        var reply = Authorize(request.Headers, path) ?? InjectedFailure()
            ?? BadRequest(queryError?.StartsWith("path", StringComparison.Ordinal) == true ? "Path deserialize error: " : "Query deserialize error: ", queryError)
            ?? BadRequest("Format error in JSON body: ", bodyError)
            ?? Dispatch(method, path, operation, body, request.Query["wait"] == "true");
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        await context.Response.WriteAsync(reply.Body, context.RequestAborted);
    }

    private (int Status, string Body, string ContentType)? Authorize(IHeaderDictionary headers, string path)
    {
        var expected = ApiKey;
        if (expected is null || path is "/" or "/healthz" or "/livez" or "/readyz")
        {
            return null; // Qdrant leaves these routes open
        }

        var (given, authorization) = (headers["api-key"].ToString(), headers.Authorization.ToString());
        given = given.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : given;
        return given.Length == 0 ? Error(401, "Must provide an API key or an Authorization bearer token")
            : given == expected ? null : Error(401, "Invalid API key or JWT");
    }

    private static (int, string, string)? BadRequest(string prefix, string? error) => error is null ? null : Error(400, prefix + error);

    private (int, string, string)? InjectedFailure()
    {
        for (var left = Volatile.Read(ref _failNext); left > 0; left = Volatile.Read(ref _failNext))
        {
            if (Interlocked.CompareExchange(ref _failNext, left - 1, left) == left)
            {
                return Error(503, "Service unavailable");
            }
        }

        return null;
    }

    private (int, string, string) Dispatch(string method, string path,
        (string Template, JsonElement PathItem, JsonElement Operation, Dictionary<string, string> PathValues)? operation, string body, bool wait)
    {
        if (operation is not { } op)
        {
            return Error(404, $"FakeQdrant: unsupported route {method} {path}: no such operation in the Qdrant spec");
        }

        var json = string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
        var name = op.PathValues.GetValueOrDefault("collection_name") ?? "";
        try
        {
            lock (_lock)
            {
                return (method, op.Template) switch
                {
                    ("GET", "/") => (200, new JsonObject { ["title"] = "qdrant - vector search engine", ["version"] = "1.19.0" }.ToJsonString(), "application/json"),
                    ("GET", "/healthz" or "/livez") => (200, "healthz check passed", "text/plain"),
                    ("GET", "/readyz") => (200, "all shards are ready", "text/plain"),
                    ("GET", "/collections") => Ok(new JsonObject
                    {
                        ["collections"] = new JsonArray([.. _collections.Keys.Order(StringComparer.Ordinal).Select(n => new JsonObject { ["name"] = n })]),
                    }),
                    ("PUT", Collection) => CreateCollection(name, json),
                    ("DELETE", Collection) => Ok(_collections.Remove(name)),
                    ("GET", Collection + "/exists") => Ok(new JsonObject { ["exists"] = _collections.ContainsKey(name) }),
                    ("GET", Collection) => With(name, Info),
                    ("PUT", Collection + "/index") => With(name, c => CreateIndex(c, json!, wait)),
                    ("PUT", Collection + "/points") => With(name, c => Upsert(c, json!, wait)),
                    ("POST", Collection + "/points") => With(name, c => Retrieve(c, json!)),
                    ("GET", Collection + "/points/{id}") => With(name, c => GetPoint(c, QdrantPointId.Parse(op.PathValues["id"]))),
                    ("POST", Collection + "/points/delete") => With(name, c => DeletePoints(c, json!, wait)),
                    ("POST", Collection + "/points/query") => With(name, c => Query(c, json!)),
                    ("POST", Collection + "/points/scroll") => With(name, c => Scroll(c, json!)),
                    ("POST", Collection + "/points/count") => With(name, c => Ok(new JsonObject { ["count"] = Select(c, json!["filter"]).Count() })),
                    _ => Unsupported($"unsupported route {method} {path} ({op.Template} is in the spec but not implemented by the fake)", 404),
                };
            }
        }
        catch (NotSupportedException e)
        {
            return Unsupported($"unsupported feature in {method} {path}: {e.Message}", 400);
        }
        catch (InvalidDataException e)
        {
            return Error(400, e.Message);
        }
    }

    private (int, string, string) Unsupported(string what, int status)
    {
        _violations.Enqueue(what);
        return Error(status, "FakeQdrant: " + what);
    }

    private (int, string, string) With(string name, Func<QdrantCollection, (int, string, string)> action) =>
        _collections.TryGetValue(name, out var collection) ? action(collection) : Error(404, $"Not found: Collection `{name}` doesn't exist!");

    private (int, string, string) CreateCollection(string name, JsonNode? body)
    {
        if (_collections.ContainsKey(name))
        {
            return Error(409, $"Wrong input: Collection `{name}` already exists!");
        }

        if (body?["vectors"] is not JsonObject vectors || vectors["size"] is null)
        {
            throw new NotSupportedException("collections without a single unnamed dense vector ({\"vectors\": {\"size\", \"distance\"}})");
        }

        _collections[name] = new QdrantCollection(vectors["size"]!.GetValue<int>(), vectors["distance"]!.GetValue<string>());
        return Ok(true);
    }

    private static (int, string, string) Info(QdrantCollection c) => Ok(new JsonObject
    {
        ["status"] = "green",
        ["optimizer_status"] = "ok",
        ["indexed_vectors_count"] = 0,
        ["points_count"] = c.Points.Count,
        ["segments_count"] = 1,
        ["config"] = new JsonObject
        {
            ["params"] = new JsonObject
            {
                ["vectors"] = new JsonObject { ["size"] = c.Size, ["distance"] = c.Distance },
                ["shard_number"] = 1,
                ["replication_factor"] = 1,
                ["write_consistency_factor"] = 1,
                ["on_disk_payload"] = true,
            },
        },
        ["payload_schema"] = new JsonObject([.. c.PayloadIndexes.Select(i => KeyValuePair.Create(i.Key, (JsonNode?)new JsonObject
        {
            ["data_type"] = i.Value is JsonObject p ? p["type"]?.DeepClone() : i.Value?.DeepClone(),
            ["points"] = c.Points.Count,
        }))]),
    });

    private (int, string, string) CreateIndex(QdrantCollection c, JsonNode body, bool wait)
    {
        c.PayloadIndexes[body["field_name"]!.GetValue<string>()] = body["field_schema"]?.DeepClone();
        return Ok(OperationResult(wait));
    }

    private (int, string, string) Upsert(QdrantCollection c, JsonNode body, bool wait)
    {
        if (body["points"] is not JsonArray points)
        {
            throw new NotSupportedException("the batch form of upsert ({\"batch\": {...}}); send {\"points\": [...]}");
        }

        // Check every point first: Qdrant applies nothing when one point is wrong.
        var prepared = points.Select(p => new QdrantPoint(QdrantPointId.Parse(p!["id"]), c.Prepare(p["vector"]),
            p["payload"]?.DeepClone() as JsonObject ?? [])).ToList();
        foreach (var point in prepared)
        {
            c.Points[point.Id] = point;
        }

        return Ok(OperationResult(wait));
    }

    private (int, string, string) DeletePoints(QdrantCollection c, JsonNode body, bool wait)
    {
        var doomed = body["points"] is JsonArray ids ? ids.Select(QdrantPointId.Parse).ToList() : [.. Select(c, body["filter"]).Select(p => p.Id)];
        foreach (var id in doomed)
        {
            c.Points.Remove(id);
        }

        return Ok(OperationResult(wait));
    }

    private static (int, string, string) Retrieve(QdrantCollection c, JsonNode body)
    {
        var found = body["ids"]!.AsArray().Select(QdrantPointId.Parse).Distinct()
            .Select(id => c.Points.GetValueOrDefault(id)).OfType<QdrantPoint>();
        return Ok(new JsonArray([.. found.Select(p => PointJson(p, null, body["with_payload"], true, body["with_vector"]))]));
    }

    private static (int, string, string) GetPoint(QdrantCollection c, QdrantPointId id) =>
        c.Points.TryGetValue(id, out var point)
            ? Ok(PointJson(point, null, null, true, JsonValue.Create(true)))
            : Error(404, $"Not found: No point with id {id} found");

    private static (int, string, string) Query(QdrantCollection c, JsonNode body)
    {
        // "params" (hnsw_ef, exact, ...) is accepted and ignored: the fake always searches exactly.
        foreach (var feature in new[] { "prefetch", "using", "lookup_from", "shard_key" })
        {
            if (body[feature] is not null)
            {
                throw new NotSupportedException($"'{feature}' in a query request");
            }
        }

        var query = body["query"];
        if (query is JsonObject wrapper)
        {
            if (wrapper.Count != 1 || wrapper["nearest"] is not JsonArray)
            {
                throw new NotSupportedException($"query {query.ToJsonString()} (only a vector or {{\"nearest\": [...]}})");
            }

            query = wrapper["nearest"];
        }

        if (query is not (null or JsonArray))
        {
            throw new NotSupportedException($"query {query.ToJsonString()} (queries by point id, document or image)");
        }

        var threshold = body["score_threshold"]?.GetValue<double>();
        var vector = query is null ? null : c.Prepare(query);
        var scored = Select(c, body["filter"]) // no query: score 0, points in id order (OrderBy is stable)
            .Select(p => (Point: p, Score: vector is null ? 0.0 : c.Score(p.Vector, vector)))
            .Where(s => vector is null || threshold is not { } t || (c.HigherIsBetter ? s.Score >= t : s.Score <= t))
            .OrderBy(s => c.HigherIsBetter ? -s.Score : s.Score);

        var page = scored.Skip(body["offset"]?.GetValue<int>() ?? 0).Take(body["limit"]?.GetValue<int>() ?? 10);
        return Ok(new JsonObject
        {
            ["points"] = new JsonArray([.. page.Select(s => PointJson(s.Point, s.Score, body["with_payload"], false, body["with_vector"]))]),
        });
    }

    private static (int, string, string) Scroll(QdrantCollection c, JsonNode body)
    {
        if (body["order_by"] is not null)
        {
            throw new NotSupportedException("'order_by' in a scroll request");
        }

        var limit = body["limit"]?.GetValue<int>() ?? 10;
        var start = body["offset"] is { } offset ? QdrantPointId.Parse(offset) : (QdrantPointId?)null;
        var page = Select(c, body["filter"]).Where(p => start is not { } s || p.Id.CompareTo(s) >= 0).Take(limit + 1).ToList();
        return Ok(new JsonObject
        {
            ["points"] = new JsonArray([.. page.Take(limit).Select(p => PointJson(p, null, body["with_payload"], true, body["with_vector"]))]),
            ["next_page_offset"] = page.Count > limit ? page[limit].Id.ToJson() : null,
        });
    }

    /// <summary>The collection's points (in id order) that pass the filter; unsupported filters throw even on an empty collection.</summary>
    private static IEnumerable<QdrantPoint> Select(QdrantCollection c, JsonNode? filter)
    {
        QdrantFilter.EnsureSupported(filter);
        return [.. c.Points.Values.Where(p => QdrantFilter.Matches(filter, p))];
    }

    private static JsonObject PointJson(QdrantPoint p, double? score, JsonNode? withPayload, bool payloadByDefault, JsonNode? withVector)
    {
        var json = new JsonObject { ["id"] = p.Id.ToJson() };
        if (score is { } s)
        {
            json["version"] = 0;
            json["score"] = s;
        }

        if (SelectPayload(p.Payload, withPayload, payloadByDefault) is { } payload)
        {
            json["payload"] = payload;
        }

        if (withVector is JsonArray)
        {
            throw new NotSupportedException("with_vector as a list of vector names");
        }

        if (withVector?.GetValueKind() == JsonValueKind.True)
        {
            json["vector"] = new JsonArray([.. p.Vector.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }

        return json;
    }

    /// <summary>with_payload: true/false, a list of top-level keys, or {"include": [...]} / {"exclude": [...]}.</summary>
    private static JsonObject? SelectPayload(JsonObject payload, JsonNode? selector, bool byDefault)
    {
        Func<string, bool> keep = selector switch
        {
            null => _ => byDefault,
            JsonArray include => key => include.Any(k => k!.GetValue<string>() == key),
            JsonObject o when o["include"] is JsonArray include => key => include.Any(k => k!.GetValue<string>() == key),
            JsonObject o when o["exclude"] is JsonArray exclude => key => !exclude.Any(k => k!.GetValue<string>() == key),
            JsonValue flag when flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False => _ => flag.GetValue<bool>(),
            _ => throw new NotSupportedException($"with_payload {selector.ToJsonString()}"),
        };
        var wanted = selector is null or JsonValue ? keep("") : true;
        return wanted ? new JsonObject([.. payload.Where(p => keep(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))]) : null;
    }

    private JsonObject OperationResult(bool wait) => new()
    {
        ["operation_id"] = Interlocked.Increment(ref _operationId),
        ["status"] = wait ? "completed" : "acknowledged", // Qdrant says "acknowledged" unless ?wait=true
    };

    private static (int, string, string) Ok(JsonNode? result) =>
        (200, new JsonObject { ["result"] = result, ["status"] = "ok", ["time"] = 0.0001 }.ToJsonString(), "application/json");

    private static (int, string, string) Error(int status, string message) =>
        (status, new JsonObject { ["status"] = new JsonObject { ["error"] = message }, ["time"] = 0.0 }.ToJsonString(), "application/json");
}
