using System.Text.Json.Serialization;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Observability;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>The SutazAI standard response envelope (seed spec §6.1 success, §6.2 error).</summary>
internal sealed class Envelope<T>
{
    [JsonPropertyName("success")] public bool Success { get; set; }
    [JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public T? Data { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public EnvelopeError? Error { get; set; }
    [JsonPropertyName("metadata")] public EnvelopeMetadata Metadata { get; set; } = new();
}

internal sealed class EnvelopeError
{
    [JsonPropertyName("code")] public string Code { get; set; } = "";
    [JsonPropertyName("message")] public string Message { get; set; } = "";
    [JsonPropertyName("details")] public EnvelopeErrorDetails? Details { get; set; }
}

internal sealed class EnvelopeErrorDetails
{
    [JsonPropertyName("field")] public string? Field { get; set; }
    [JsonPropertyName("reason")] public string? Reason { get; set; }
}

internal sealed class EnvelopeMetadata
{
    [JsonPropertyName("timestamp")] public DateTimeOffset Timestamp { get; set; }
    [JsonPropertyName("request_id")] public string RequestId { get; set; } = "";
    [JsonPropertyName("processing_time_ms")] public double? ProcessingTimeMs { get; set; }
}

internal static class Envelope
{
    public static Envelope<T> Success<T>(HttpContext context, T data, TimeProvider time) => new()
    {
        Success = true,
        Data = data,
        Metadata = Metadata(context, time, includeTiming: true),
    };

    public static Envelope<object> Failure(HttpContext context, GatewayException error, TimeProvider time) => new()
    {
        Success = false,
        Error = new EnvelopeError
        {
            Code = error.SutazCode,
            Message = error.Message,
            Details = error.Param is null ? null : new EnvelopeErrorDetails { Field = error.Param, Reason = error.Code },
        },
        Metadata = Metadata(context, time, includeTiming: false),
    };

    private static EnvelopeMetadata Metadata(HttpContext context, TimeProvider time, bool includeTiming) => new()
    {
        Timestamp = time.GetUtcNow(),
        RequestId = context.TraceIdentifier,
        ProcessingTimeMs = includeTiming ? RequestTiming.ElapsedMilliseconds(context, time) : null,
    };
}
