using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Vectors;

/// <summary>Payloads as stored by the embedded store (one JSON object per point).</summary>
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ulong))]
internal sealed partial class VectorJson : JsonSerializerContext;
