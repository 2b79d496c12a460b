using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Auth;

[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class AuthJson : JsonSerializerContext;
