using System.Text.Json.Nodes;

namespace SutazAi.TestKit;

/// <summary>A stored point. For Cosine collections the vector is stored normalised, as Qdrant does.</summary>
internal sealed record QdrantPoint(QdrantPointId Id, float[] Vector, JsonObject Payload);
