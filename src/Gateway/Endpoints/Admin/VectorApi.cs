using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Vectors;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// /api/v1/vectors: collections, upserts and similarity search over the configured vector store (Qdrant or the
/// embedded one). The gateway's own collections (sutazai_*, memories and document chunks of every caller) can be
/// listed and counted here, never searched or changed.
/// </summary>
internal static partial class VectorApi
{
    public const int MaxTopK = 100;
    public const int MaxPointsPerUpsert = 1000;

    public static RouteGroupBuilder MapVectorApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/vectors").WithTags("Vectors");
        group.MapGet("/collections", ListAsync).WithName("VectorCollections");
        group.MapPost("/collections", CreateAsync).WithName("VectorCollectionCreate");
        group.MapGet("/collections/{name}", GetAsync).WithName("VectorCollectionGet");
        group.MapDelete("/collections/{name}", DeleteCollectionAsync).WithName("VectorCollectionDelete");
        group.MapPost("/collections/{name}/points", UpsertAsync).WithName("VectorUpsert");
        group.MapPost("/collections/{name}/search", SearchAsync).WithName("VectorSearch");
        group.MapPost("/collections/{name}/points/delete", DeletePointsAsync).WithName("VectorDelete");
        return group;
    }

    private static async Task<Ok<Envelope<VectorCollectionList>>> ListAsync(HttpContext context, VectorMemory memory, TimeProvider time)
    {
        var collections = await memory.Store.ListCollectionsAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new VectorCollectionList
        {
            Backend = memory.Store.Backend,
            Collections = [.. collections.Select(c => View(c, memory.Store.Backend))],
        }, time));
    }

    private static async Task<Created<Envelope<VectorCollectionView>>> CreateAsync(HttpContext context, VectorMemory memory, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.VectorCollectionCreate).ConfigureAwait(false);
        var name = Writable(request.Name, "name");
        var dimension = request.Dimension is >= 1 and <= 65_536 ? request.Dimension.Value : throw GatewayException.Invalid("dimension must be between 1 and 65536", "dimension");
        var distance = request.Distance is null ? VectorDistance.Cosine
            : Enum.TryParse<VectorDistance>(request.Distance, ignoreCase: true, out var parsed) && !int.TryParse(request.Distance, out _) ? parsed
            : throw GatewayException.Invalid("distance must be cosine, dot or euclid", "distance");
        if (!await memory.Store.CreateCollectionAsync(name, dimension, distance, context.RequestAborted).ConfigureAwait(false))
        {
            throw new GatewayException(ErrorKind.Conflict, $"collection '{name}' exists already", "name");
        }

        var view = View(new VectorCollection(name, dimension, distance, 0), memory.Store.Backend);
        return TypedResults.Created($"/api/v1/vectors/collections/{name}", Envelope.Success(context, view, time));
    }

    private static async Task<Ok<Envelope<VectorCollectionView>>> GetAsync(HttpContext context, string name, VectorMemory memory, TimeProvider time)
    {
        var collection = await memory.Store.GetCollectionAsync(Name(name, "name"), context.RequestAborted).ConfigureAwait(false)
            ?? throw EmbeddedVectorStore.Missing(name);
        return TypedResults.Ok(Envelope.Success(context, View(collection, memory.Store.Backend), time));
    }

    private static async Task<Ok<Envelope<VectorDeleteReply>>> DeleteCollectionAsync(HttpContext context, string name, VectorMemory memory, TimeProvider time)
    {
        if (!await memory.Store.DeleteCollectionAsync(Writable(name, "name"), context.RequestAborted).ConfigureAwait(false))
        {
            throw EmbeddedVectorStore.Missing(name);
        }

        return TypedResults.Ok(Envelope.Success(context, new VectorDeleteReply { Deleted = true }, time));
    }

    private static async Task<Ok<Envelope<VectorUpsertReply>>> UpsertAsync(HttpContext context, string name, VectorMemory memory, TimeProvider time)
    {
        Writable(name, "name");
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.VectorUpsertRequest).ConfigureAwait(false);
        var inputs = request.Points is { Count: > 0 and <= MaxPointsPerUpsert } given ? given
            : throw GatewayException.Invalid($"points must hold 1 to {MaxPointsPerUpsert} points", "points");
        var collection = await memory.Store.GetCollectionAsync(name, context.RequestAborted).ConfigureAwait(false) ?? throw EmbeddedVectorStore.Missing(name);
        var toEmbed = new List<(int Index, string Text)>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (input.Vector is null && string.IsNullOrWhiteSpace(input.Text))
            {
                throw GatewayException.Invalid("each point needs a vector or a text", Field(i, "vector"));
            }

            if (input.Vector is { } vector && vector.Length != collection.Dimension)
            {
                throw GatewayException.Invalid(string.Create(CultureInfo.InvariantCulture,
                    $"vector dimension error: expected dim: {collection.Dimension}, got {vector.Length}"), Field(i, "vector"));
            }

            if (input.Vector is null)
            {
                toEmbed.Add((i, input.Text!));
            }
        }

        var embedded = await memory.EmbedAsync([.. toEmbed.Select(t => t.Text)], context.RequestAborted).ConfigureAwait(false);
        var vectors = inputs.Select(p => p.Vector).ToArray();
        for (var i = 0; i < toEmbed.Count; i++)
        {
            vectors[toEmbed[i].Index] = embedded[i].Length == collection.Dimension ? embedded[i]
                : throw GatewayException.Invalid(string.Create(CultureInfo.InvariantCulture,
                    $"the embedding model '{memory.EmbeddingModel}' gives {embedded[i].Length} dimensions; collection '{name}' holds {collection.Dimension}"),
                    Field(toEmbed[i].Index, "text"));
        }

        var points = inputs.Select((p, i) =>
        {
            var payload = new Dictionary<string, JsonElement>(p.Payload ?? [], StringComparer.Ordinal);
            if (p.Text is not null)
            {
                payload["text"] = VectorMemory.Json(p.Text);
            }

            return new VectorPoint(p.Id is { } id ? PointId(id, Field(i, "id")) : Guid.CreateVersion7().ToString(), vectors[i]!, payload);
        }).ToList();
        await memory.Store.UpsertAsync(name, points, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new VectorUpsertReply { Upserted = points.Count, Ids = [.. points.Select(p => p.Id)] }, time));
    }

    private static async Task<Ok<Envelope<VectorSearchReply>>> SearchAsync(HttpContext context, string name, VectorMemory memory, TimeProvider time)
    {
        Writable(name, "name");
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.VectorSearchRequest).ConfigureAwait(false);
        var topK = request.TopK ?? 10;
        if (topK is < 1 or > MaxTopK)
        {
            throw GatewayException.Invalid($"top_k must be between 1 and {MaxTopK}", "top_k");
        }

        var vector = (request.Vector, request.Text) switch
        {
            ({ } given, null) => given,
            (null, { } text) when !string.IsNullOrWhiteSpace(text) => (await memory.EmbedAsync([text], context.RequestAborted).ConfigureAwait(false))[0],
            _ => throw GatewayException.Invalid("give either a vector or a text to search with", "vector"),
        };
        var matches = await memory.Store.SearchAsync(name, vector, topK, Filter(request.Filter), request.ScoreThreshold, context.RequestAborted)
            .ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new VectorSearchReply
        {
            Results = [.. matches.Select(m => new VectorMatchView { Id = m.Id, Score = m.Score, Payload = m.Payload })],
        }, time));
    }

    private static async Task<Ok<Envelope<VectorDeleteReply>>> DeletePointsAsync(HttpContext context, string name, VectorMemory memory, TimeProvider time)
    {
        Writable(name, "name");
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.VectorDeleteRequest).ConfigureAwait(false);
        switch (request)
        {
            case { Ids: { Count: > 0 } ids, Filter: null }:
                await memory.Store.DeleteAsync(name, [.. ids.Select((id, i) => PointId(id, $"ids[{i}]"))], context.RequestAborted).ConfigureAwait(false);
                break;
            case { Ids: null, Filter: { Count: > 0 } filter }:
                await memory.Store.DeleteAsync(name, Filter(filter), context.RequestAborted).ConfigureAwait(false);
                break;
            default:
                throw GatewayException.Invalid("give either ids or a non-empty filter", "ids");
        }

        return TypedResults.Ok(Envelope.Success(context, new VectorDeleteReply { Deleted = true }, time));
    }

    /// <summary>A filter from the API's {key: value} object; values must be strings, integers or booleans.</summary>
    private static VectorFilter Filter(Dictionary<string, JsonElement>? filter)
    {
        if (filter is null)
        {
            return VectorFilter.None;
        }

        foreach (var (key, value) in filter)
        {
            var scalar = value.ValueKind is JsonValueKind.String or JsonValueKind.True or JsonValueKind.False
                || (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _));
            if (!scalar || key.Length == 0)
            {
                throw GatewayException.Invalid("filter values must be strings, integers or booleans", $"filter.{key}");
            }
        }

        return new VectorFilter([.. filter]);
    }

    /// <summary>Point ids as Qdrant accepts them: a UUID or an unsigned integer.</summary>
    internal static string PointId(JsonElement id, string field) => id.ValueKind switch
    {
        JsonValueKind.Number when id.TryGetUInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String when Guid.TryParse(id.GetString(), out var uuid) => uuid.ToString(),
        _ => throw GatewayException.Invalid("a point id is a UUID or an unsigned integer", field),
    };

    private static string Name(string? name, string field) =>
        name is not null && NamePattern().IsMatch(name) ? name : throw GatewayException.Invalid("a collection name is 1 to 64 letters, digits, '_' or '-'", field);

    private static string Writable(string? name, string field) =>
        VectorMemory.IsReserved(Name(name, field))
            ? throw GatewayException.Invalid($"'{name}' is one of the gateway's own collections (sutazai_*): it holds every caller's data, so it is reached only through the documents and agent routes", field)
            : name!;

    private static string Field(int index, string name) => string.Create(CultureInfo.InvariantCulture, $"points[{index}].{name}");

    private static VectorCollectionView View(VectorCollection c, string backend) => new()
    {
        Name = c.Name,
        Dimension = c.Dimension,
        Distance = c.Distance.ToString().ToLowerInvariant(),
        PointsCount = c.PointsCount,
        Backend = backend,
    };

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex NamePattern();
}
