using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Qdrant;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QdrantCreateCollection))]
[JsonSerializable(typeof(QdrantCreateFieldIndex))]
[JsonSerializable(typeof(QdrantUpsert))]
[JsonSerializable(typeof(QdrantQuery))]
[JsonSerializable(typeof(QdrantPointsSelector))]
[JsonSerializable(typeof(QdrantCount))]
[JsonSerializable(typeof(QdrantAnswer<bool>))]
[JsonSerializable(typeof(QdrantAnswer<QdrantCollections>))]
[JsonSerializable(typeof(QdrantAnswer<QdrantCollectionInfo>))]
[JsonSerializable(typeof(QdrantAnswer<QdrantQueryResult>))]
[JsonSerializable(typeof(QdrantAnswer<QdrantCountResult>))]
[JsonSerializable(typeof(QdrantAnswer<System.Text.Json.JsonElement>))]
internal sealed partial class QdrantJsonContext : JsonSerializerContext;
