namespace SutazAi.Gateway.Upstreams;

/// <summary>One call to an Ollama server. The body is the gateway's own serialisation, never the client's bytes.</summary>
internal sealed record UpstreamRequest(HttpMethod Method, string Path, string? Model, ReadOnlyMemory<byte>? Body, bool Streaming)
{
    public static UpstreamRequest Get(string path) => new(HttpMethod.Get, path, null, null, Streaming: false);

    public static UpstreamRequest Post(string path, string? model, ReadOnlyMemory<byte> body, bool streaming) =>
        new(HttpMethod.Post, path, model, body, streaming);
}
