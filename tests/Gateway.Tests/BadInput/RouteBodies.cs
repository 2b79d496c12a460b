using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>A minimal valid body per JSON route, with the model and the user text supplied by the test.</summary>
internal static class RouteBodies
{
    public const string Model = "llama3:latest";

    /// <summary>The generation routes of every surface (IN-01 list, plus Ollama's /api/embed).</summary>
    public static readonly string[] Routes = ["/v1/chat/completions", "/v1/embeddings", "/api/chat", "/api/generate", "/api/embed", "/api/v1/chat"];

    public static string Json(string route, string model = Model, string text = "hi") => Node(route, model, text).ToJsonString();

    public static JsonObject Node(string route, string model = Model, string text = "hi") => route switch
    {
        "/v1/chat/completions" => new JsonObject { ["model"] = model, ["messages"] = Messages(text) },
        "/v1/embeddings" => new JsonObject { ["model"] = model, ["input"] = text },
        "/api/chat" => new JsonObject { ["model"] = model, ["messages"] = Messages(text), ["stream"] = false },
        "/api/generate" => new JsonObject { ["model"] = model, ["prompt"] = text, ["stream"] = false },
        "/api/embed" => new JsonObject { ["model"] = model, ["input"] = text },
        "/api/v1/chat" => new JsonObject { ["message"] = text, ["model"] = model },
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, "no body template"),
    };

    /// <summary>The route's valid body with the user text replaced by raw bytes (which may be invalid UTF-8).</summary>
    public static byte[] WithRawText(string route, byte[] rawText)
    {
        const string marker = "@@TEXT@@";
        var json = Json(route, Model, marker);
        var at = json.IndexOf(marker, StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(json[..at]), .. rawText, .. Encoding.UTF8.GetBytes(json[(at + marker.Length)..])];
    }

    public static ByteArrayContent Bytes(byte[] body, string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static ByteArrayContent Bytes(string body, string contentType = "application/json") => Bytes(Encoding.UTF8.GetBytes(body), contentType);

    private static JsonArray Messages(string text) => [new JsonObject { ["role"] = "user", ["content"] = text }];
}
