using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Qdrant;

namespace SutazAi.Gateway.Vectors;

/// <summary>
/// The vector store in Qdrant, over its REST API (Qdrant.Client cannot be installed here): collections with the
/// embedding's dimension and keyword indexes on the payload keys the gateway filters on, upserts with wait=true (a
/// point is searchable when the call returns), and <c>/points/query</c> for search.
/// </summary>
internal sealed class QdrantVectorStore : IVectorStore, IDisposable
{
    /// <summary>Payload keys the gateway filters on; indexed in every collection it creates.</summary>
    private static readonly string[] IndexedKeys = ["owner", "agent", "document_id", "kind"];
    private const int UpsertBatch = 256;
    private readonly HttpClient _http;

    public QdrantVectorStore(QdrantOptions options, HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = options.Url,
            Timeout = options.Timeout,
        };
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            _http.DefaultRequestHeaders.Add("api-key", options.ApiKey);
        }
    }

    public string Backend => "qdrant";

    public void Dispose() => _http.Dispose();

    public async Task<IReadOnlyList<VectorCollection>> ListCollectionsAsync(CancellationToken cancellationToken)
    {
        var names = await SendAsync(HttpMethod.Get, "collections", null, QdrantJsonContext.Default.QdrantAnswerQdrantCollections, null, cancellationToken)
            .ConfigureAwait(false);
        var collections = new List<VectorCollection>();
        foreach (var name in names!.Collections.Select(c => c.Name).Order(StringComparer.Ordinal))
        {
            if (await GetCollectionAsync(name, cancellationToken).ConfigureAwait(false) is { } collection)
            {
                collections.Add(collection);
            }
        }

        return collections;
    }

    public async Task<VectorCollection?> GetCollectionAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var info = await SendAsync(HttpMethod.Get, Path(name), null, QdrantJsonContext.Default.QdrantAnswerQdrantCollectionInfo, name, cancellationToken)
                .ConfigureAwait(false);
            var vectors = info!.Config?.Params?.Vectors ?? default;
            if (vectors.ValueKind != JsonValueKind.Object || !vectors.TryGetProperty("size", out var size) || !vectors.TryGetProperty("distance", out var distance))
            {
                // Named vectors: not a collection the gateway made or can search with one vector.
                return null;
            }

            return new VectorCollection(name, size.GetInt32(), FromQdrant(distance.GetString()), info.PointsCount ?? 0);
        }
        catch (GatewayException e) when (e.Kind == ErrorKind.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> CreateCollectionAsync(string name, int dimension, VectorDistance distance, CancellationToken cancellationToken)
    {
        var body = JsonContent.Create(new QdrantCreateCollection { Vectors = new QdrantVectorParams { Size = dimension, Distance = ToQdrant(distance) } },
            QdrantJsonContext.Default.QdrantCreateCollection);
        try
        {
            await SendAsync(HttpMethod.Put, Path(name), body, QdrantJsonContext.Default.QdrantAnswerBoolean, name, cancellationToken).ConfigureAwait(false);
        }
        catch (GatewayException e) when (e.Kind == ErrorKind.Conflict)
        {
            return false;
        }

        foreach (var key in IndexedKeys)
        {
            var index = JsonContent.Create(new QdrantCreateFieldIndex { FieldName = key, FieldSchema = "keyword" }, QdrantJsonContext.Default.QdrantCreateFieldIndex);
            await SendAsync(HttpMethod.Put, Path(name) + "/index?wait=true", index, QdrantJsonContext.Default.QdrantAnswerJsonElement, name, cancellationToken)
                .ConfigureAwait(false);
        }

        return true;
    }

    public async Task<bool> DeleteCollectionAsync(string name, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Delete, Path(name), null, QdrantJsonContext.Default.QdrantAnswerBoolean, name, cancellationToken).ConfigureAwait(false);

    public async Task UpsertAsync(string name, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken)
    {
        // In batches: a large document's chunks in one request could pass Qdrant's 32 MB body limit and the timeout.
        foreach (var batch in points.Chunk(UpsertBatch))
        {
            var body = new QdrantUpsert
            {
                Points = [.. batch.Select(p => new QdrantPoint { Id = ToQdrantId(p.Id), Vector = p.Vector, Payload = p.Payload })],
            };
            await SendAsync(HttpMethod.Put, Path(name) + "/points?wait=true", JsonContent.Create(body, QdrantJsonContext.Default.QdrantUpsert),
                QdrantJsonContext.Default.QdrantAnswerJsonElement, name, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(string name, ReadOnlyMemory<float> vector, int limit, VectorFilter filter,
        double? scoreThreshold, CancellationToken cancellationToken)
    {
        var body = new QdrantQuery
        {
            Query = vector.ToArray(),
            Filter = ToQdrant(filter),
            Limit = limit,
            ScoreThreshold = (float?)scoreThreshold,
        };
        var result = await SendAsync(HttpMethod.Post, Path(name) + "/points/query", JsonContent.Create(body, QdrantJsonContext.Default.QdrantQuery),
            QdrantJsonContext.Default.QdrantAnswerQdrantQueryResult, name, cancellationToken).ConfigureAwait(false);
        return [.. result!.Points.Select(p => new VectorMatch(FromQdrantId(p.Id), p.Score,
            (IReadOnlyDictionary<string, JsonElement>?)p.Payload ?? new Dictionary<string, JsonElement>()))];
    }

    public Task DeleteAsync(string name, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        DeleteAsync(name, new QdrantPointsSelector { Points = [.. ids.Select(ToQdrantId)] }, cancellationToken);

    public Task DeleteAsync(string name, VectorFilter filter, CancellationToken cancellationToken) =>
        filter.IsEmpty
            ? throw GatewayException.Invalid("a delete needs a filter or ids", "filter")
            : DeleteAsync(name, new QdrantPointsSelector { Filter = ToQdrant(filter) }, cancellationToken);

    public async Task<long> CountAsync(string name, VectorFilter filter, CancellationToken cancellationToken)
    {
        var result = await SendAsync(HttpMethod.Post, Path(name) + "/points/count",
            JsonContent.Create(new QdrantCount { Filter = ToQdrant(filter) }, QdrantJsonContext.Default.QdrantCount),
            QdrantJsonContext.Default.QdrantAnswerQdrantCountResult, name, cancellationToken).ConfigureAwait(false);
        return result!.Count;
    }

    private async Task DeleteAsync(string name, QdrantPointsSelector selector, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, Path(name) + "/points/delete?wait=true", JsonContent.Create(selector, QdrantJsonContext.Default.QdrantPointsSelector),
            QdrantJsonContext.Default.QdrantAnswerJsonElement, name, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// One call. Qdrant's answers map onto the gateway's errors here, in one place: 404 → the collection is missing,
    /// 409 → it exists, other 4xx → invalid input (Qdrant's own message), 5xx, timeouts and refused connections →
    /// the vector store is unavailable (503).
    /// </summary>
    private async Task<T?> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<QdrantAnswer<T>> answer, string? collection,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            throw new GatewayException(ErrorKind.VectorStoreUnavailable, "the vector store (Qdrant) is unreachable");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GatewayException(ErrorKind.VectorStoreUnavailable, "the vector store (Qdrant) did not answer in time");
        }

        using (response)
        {
            QdrantAnswer<T>? body = null;
            try
            {
                body = await response.Content.ReadFromJsonAsync(answer, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException) when (!response.IsSuccessStatusCode)
            {
                // An error page instead of Qdrant's JSON: the status code says enough.
            }

            if (response.IsSuccessStatusCode && body is not null)
            {
                return body.Result;
            }

            var message = body is { Status.ValueKind: JsonValueKind.Object } && body.Status.TryGetProperty("error", out var error) ? error.GetString() : null;
            throw response.StatusCode switch
            {
                HttpStatusCode.NotFound when collection is not null => EmbeddedVectorStore.Missing(collection),
                HttpStatusCode.Conflict => new GatewayException(ErrorKind.Conflict, $"collection '{collection}' exists already"),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                    new GatewayException(ErrorKind.VectorStoreUnavailable, "the vector store (Qdrant) refused the gateway's credentials"),
                >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError => Refused(message, response.StatusCode),
                _ => new GatewayException(ErrorKind.VectorStoreUnavailable, "the vector store (Qdrant) failed"),
            };
        }
    }

    /// <summary>
    /// A 4xx from Qdrant. Requests are checked before they are sent, so what remains is the dimension check; Qdrant's
    /// own text is not passed on (it can name internals), only what the caller can act on.
    /// </summary>
    private static GatewayException Refused(string? message, HttpStatusCode status) =>
        message?.Contains("dimension", StringComparison.OrdinalIgnoreCase) == true
            ? GatewayException.Invalid("vector dimension error: the vector's length does not match the collection's dimension", "vector")
            : GatewayException.Invalid(string.Create(CultureInfo.InvariantCulture, $"the vector store refused the request ({(int)status})"));

    private static string Path(string name) => "collections/" + Uri.EscapeDataString(name);

    private static QdrantFilter? ToQdrant(VectorFilter filter) => filter.IsEmpty
        ? null
        : new QdrantFilter { Must = [.. filter.Must.Select(c => new QdrantCondition { Key = c.Key, Match = new QdrantMatch { Value = c.Value } })] };

    private static string ToQdrant(VectorDistance distance) => distance switch
    {
        VectorDistance.Dot => "Dot",
        VectorDistance.Euclid => "Euclid",
        _ => "Cosine",
    };

    private static VectorDistance FromQdrant(string? distance) => distance switch
    {
        "Dot" => VectorDistance.Dot,
        "Euclid" => VectorDistance.Euclid,
        _ => VectorDistance.Cosine,
    };

    private static JsonElement ToQdrantId(string id) => ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
        ? JsonSerializer.SerializeToElement(number, VectorJson.Default.UInt64)
        : JsonSerializer.SerializeToElement(id, VectorJson.Default.String);

    private static string FromQdrantId(JsonElement id) => id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString()!;
}
