using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Tasks;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TasksJsonContext : JsonSerializerContext;
