using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Documents;

[JsonSerializable(typeof(int))]
internal sealed partial class DocumentJson : JsonSerializerContext;
