using System.Text.Json;

namespace SutazAi.Gateway.Vectors;

internal sealed record VectorMatch(string Id, double Score, IReadOnlyDictionary<string, JsonElement> Payload);
