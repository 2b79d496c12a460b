using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(Envelope<object>), TypeInfoPropertyName = "EnvelopeObject")]
[JsonSerializable(typeof(Envelope<SutazChatReply>))]
[JsonSerializable(typeof(Envelope<SutazBatchReply>))]
[JsonSerializable(typeof(Envelope<SutazModelsReply>))]
[JsonSerializable(typeof(Envelope<DetailedHealth>))]
[JsonSerializable(typeof(Envelope<CircuitBreakerReply>))]
[JsonSerializable(typeof(Envelope<System.Text.Json.JsonElement>), TypeInfoPropertyName = "EnvelopeJsonElement")]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
[JsonSerializable(typeof(SutazChatRequest))]
[JsonSerializable(typeof(SutazBatchRequest))]
[JsonSerializable(typeof(SutazPullRequest))]
[JsonSerializable(typeof(SutazStreamEvent))]
[JsonSerializable(typeof(SutazStreamError))]
[JsonSerializable(typeof(HealthReply))]
[JsonSerializable(typeof(TaskCreateRequest))]
[JsonSerializable(typeof(Envelope<TaskCreated>))]
[JsonSerializable(typeof(Envelope<TaskView>))]
[JsonSerializable(typeof(Envelope<TaskResultView>))]
[JsonSerializable(typeof(Envelope<TaskPageView>))]
[JsonSerializable(typeof(TaskEventView))]
[JsonSerializable(typeof(TaskSubscribeMessage))]
[JsonSerializable(typeof(SocketError))]
internal sealed partial class SutazJsonContext : JsonSerializerContext;
