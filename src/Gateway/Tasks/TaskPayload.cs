using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Tasks;

internal static class TaskPayload
{
    /// <summary>Reads the payload as the handler's DTO; a type error is a 400 naming the field under payload.</summary>
    public static T Read<T>(JsonElement payload, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw GatewayException.Invalid("payload must be a JSON object", "payload");
        }

        try
        {
            return payload.Deserialize(typeInfo) ?? throw GatewayException.Invalid("payload must be a JSON object", "payload");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "payload" : "payload." + e.Path.TrimStart('$', '.');
            throw GatewayException.Invalid($"{field} has an invalid type or value", field);
        }
    }
}
