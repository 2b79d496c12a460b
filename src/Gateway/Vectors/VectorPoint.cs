using System.Text.Json;

namespace SutazAi.Gateway.Vectors;

/// <summary>A vector and its payload. Ids are UUIDs or unsigned integers, as Qdrant requires.</summary>
internal sealed record VectorPoint(string Id, float[] Vector, IReadOnlyDictionary<string, JsonElement> Payload);
