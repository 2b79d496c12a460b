using System.Globalization;
using System.Text.Json;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.OpenAI;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Errors;

/// <summary>Renders a <see cref="GatewayException"/> in each surface's own error shape, before and after headers.</summary>
internal static class ErrorResponses
{
    private static readonly byte[] s_sseData = "data: "u8.ToArray();
    private static readonly byte[] s_sseEnd = "\n\n"u8.ToArray();

    public static OpenAiErrorEnvelope OpenAi(GatewayException error) => new()
    {
        Error = new OpenAiErrorBody { Message = error.Message, Type = error.OpenAiType, Param = error.Param, Code = error.Code },
    };

    public static Task WriteOpenAiAsync(HttpContext context, GatewayException error)
    {
        PrepareStatus(context, error);
        return context.Response.WriteAsJsonAsync(OpenAi(error), OpenAiJsonContext.Default.OpenAiErrorEnvelope, contentType: null, context.RequestAborted);
    }

    public static Task WriteOllamaAsync(HttpContext context, GatewayException error)
    {
        PrepareStatus(context, error);
        return context.Response.WriteAsJsonAsync(new OllamaError { Error = error.Message }, OllamaJsonContext.Default.OllamaError, contentType: null, context.RequestAborted);
    }

    public static Task WriteSutazAsync(HttpContext context, GatewayException error, TimeProvider time)
    {
        PrepareStatus(context, error);
        return context.Response.WriteAsJsonAsync(Envelope.Failure(context, error, time), SutazJsonContext.Default.EnvelopeObject, contentType: null, context.RequestAborted);
    }

    /// <summary>The in-band SSE error event for OpenAI streams; the caller ends the stream without [DONE].</summary>
    public static byte[] OpenAiSseEvent(GatewayException error)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(OpenAi(error), OpenAiJsonContext.Default.OpenAiErrorEnvelope);
        return [.. s_sseData, .. json, .. s_sseEnd];
    }

    /// <summary>The in-band NDJSON error line for Ollama streams; the caller ends the stream without done:true.</summary>
    public static byte[] OllamaLine(GatewayException error)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new OllamaError { Error = error.Message }, OllamaJsonContext.Default.OllamaError);
        return [.. json, (byte)'\n'];
    }

    private static void PrepareStatus(HttpContext context, GatewayException error)
    {
        context.Response.StatusCode = error.StatusCode;
        if (error.RetryAfter is { } retry)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
    }
}
