using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SutazAi.TestKit;

/// <summary>
/// A real Kestrel server on 127.0.0.1:0 that speaks Ollama's API (PROTOCOLS.md §1) and is scriptable per test:
/// replies, tool calls, delays before headers and between chunks, aborts after N chunks, malformed lines,
/// {"error"} lines. It records every request, whether it was aborted, and how many connections are open.
/// </summary>
public sealed class FakeOllama : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Func<RecordedRequest, FakeReply>> _scripts = new(StringComparer.Ordinal);
    private TaskCompletionSource _arrival = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openConnections;
    private int _inFlight;
    private int _maxInFlight;

    private FakeOllama(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Models listed by /api/tags and accepted by generation routes; anything else is a 404.</summary>
    public ConcurrentDictionary<string, bool> Models { get; } = new(StringComparer.Ordinal);

    /// <summary>The text the default chat/generate reply streams, word by word.</summary>
    public string ReplyText { get; set; } = "Hello from the fake model";

    /// <summary>
    /// 0: /api/embed answers fixed 3-dimensional vectors. Otherwise a bag-of-words embedding of this dimension (each
    /// word hashed to a coordinate, then normalised), so texts that share words are close, as with a real model.
    /// </summary>
    public int EmbeddingDimensions { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public int OpenConnections => Volatile.Read(ref _openConnections);

    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    public IReadOnlyList<RecordedRequest> RequestsTo(string path) => [.. _requests.Where(r => r.Path == path)];

    public static async Task<FakeOllama> StartAsync(params string[] models)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = null).UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeOllama(app);
        foreach (var model in models.Length == 0 ? ["llama3:latest"] : models)
        {
            fake.Models[model] = true;
        }

        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref fake._openConnections);
            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Decrement(ref fake._openConnections);
            }
        });
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUri = new Uri(address + "/");
        return fake;
    }

    /// <summary>Completes once at least <paramref name="count"/> requests to <paramref name="path"/> have arrived.</summary>
    public async Task WaitForRequestsAsync(string path, int count)
    {
        while (true)
        {
            var next = Volatile.Read(ref _arrival).Task;
            if (RequestsTo(path).Count >= count)
            {
                return;
            }

            await next;
        }
    }

    /// <summary>Replaces the default behaviour of one path ("/api/chat", "/api/tags", ...).</summary>
    public void Script(string path, Func<RecordedRequest, FakeReply> reply) => _scripts[path] = reply;

    public void ClearScripts() => _scripts.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ---- canned Ollama payloads ----

    public static string ChatLine(string model, string content, bool done = false, string? thinking = null, string? toolCallsJson = null,
        int promptEval = 7, int eval = 5, string doneReason = "stop")
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content };
        if (thinking is not null)
        {
            message["thinking"] = thinking;
        }

        if (toolCallsJson is not null)
        {
            message["tool_calls"] = JsonNode.Parse(toolCallsJson);
        }

        var line = new JsonObject { ["model"] = model, ["created_at"] = "2026-11-22T00:00:00.000000Z", ["message"] = message, ["done"] = done };
        if (done)
        {
            line["done_reason"] = doneReason;
            line["total_duration"] = 1_000_000;
            line["load_duration"] = 100_000;
            line["prompt_eval_count"] = promptEval;
            line["prompt_eval_duration"] = 200_000;
            line["eval_count"] = eval;
            line["eval_duration"] = 500_000;
        }

        return line.ToJsonString();
    }

    public static string GenerateLine(string model, string response, bool done = false, int promptEval = 7, int eval = 5)
    {
        var line = new JsonObject { ["model"] = model, ["created_at"] = "2026-11-22T00:00:00.000000Z", ["response"] = response, ["done"] = done };
        if (done)
        {
            line["done_reason"] = "stop";
            line["prompt_eval_count"] = promptEval;
            line["eval_count"] = eval;
            line["total_duration"] = 1_000_000;
        }

        return line.ToJsonString();
    }

    /// <summary>A streamed chat: one chunk per word, then the final done:true line.</summary>
    public static FakeReply ChatStream(string model, string text, TimeSpan interval = default) =>
        FakeReply.Ndjson([.. Words(text).Select(w => ChatLine(model, w)), ChatLine(model, "", done: true)], interval);

    private static IEnumerable<string> Words(string text)
    {
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            yield return i == 0 ? words[i] : " " + words[i];
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var request = new RecordedRequest
        {
            Method = context.Request.Method,
            Path = context.Request.Path.Value ?? "",
            Body = body,
            Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        };
        _requests.Enqueue(request);
        Interlocked.Exchange(ref _arrival, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        var inFlight = Interlocked.Increment(ref _inFlight);
        int max;
        while ((max = Volatile.Read(ref _maxInFlight)) < inFlight && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
        }

        using var registration = context.RequestAborted.Register(request.MarkAborted);
        try
        {
            var reply = _scripts.TryGetValue(request.Path, out var script) ? script(request) : Default(request);
            await WriteAsync(context, reply);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            request.MarkAborted();
        }
        catch (IOException)
        {
            request.MarkAborted();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            request.MarkFinished();
        }
    }

    private static async Task WriteAsync(HttpContext context, FakeReply reply)
    {
        if (reply.DelayBeforeHeaders > TimeSpan.Zero)
        {
            await Task.Delay(reply.DelayBeforeHeaders, context.RequestAborted);
        }

        if (reply.HeadersGate is { } gate)
        {
            await gate.WaitAsync(context.RequestAborted);
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.StartAsync(context.RequestAborted);
        for (var i = 0; i < reply.Chunks.Count; i++)
        {
            if (reply.AbortAfterChunks == i)
            {
                await (reply.AbortGate ?? Task.CompletedTask).WaitAsync(context.RequestAborted);
                context.Abort();
                return;
            }

            if (i > 0 && reply.ChunkInterval > TimeSpan.Zero)
            {
                await Task.Delay(reply.ChunkInterval, context.RequestAborted);
            }

            await context.Response.WriteAsync(reply.Chunks[i], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        if (reply.AbortAfterChunks == reply.Chunks.Count)
        {
            await (reply.AbortGate ?? Task.CompletedTask).WaitAsync(context.RequestAborted);
            context.Abort();
            return;
        }

        if (reply.HangAfterChunks)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
    }

    private FakeReply Default(RecordedRequest request)
    {
        switch (request.Path)
        {
            case "/api/version":
                return FakeReply.Json("""{"version":"0.9.0"}""");
            case "/api/tags":
                return FakeReply.Json(new JsonObject
                {
                    ["models"] = new JsonArray([.. Models.Keys.Order(StringComparer.Ordinal).Select(m => (JsonNode)Tag(m))]),
                }.ToJsonString());
            case "/api/ps":
                return FakeReply.Json("""{"models":[]}""");
            case "/":
                return new FakeReply { ContentType = "text/plain", Chunks = ["Ollama is running"] };
        }

        var model = request.Model ?? "";
        if (request.Path is "/api/pull" or "/api/create")
        {
            Models[Normalize(model)] = true;
            var lines = new[] { """{"status":"pulling manifest"}""", """{"status":"downloading","digest":"sha256:abc","total":100,"completed":100}""", """{"status":"success"}""" };
            return Streams(request) ? FakeReply.Ndjson(lines) : FakeReply.Json("""{"status":"success"}""");
        }

        if (request.Path == "/api/copy")
        {
            var source = request.Json.GetProperty("source").GetString() ?? "";
            if (!Models.ContainsKey(Normalize(source)))
            {
                return FakeReply.Error(404, $"model '{source}' not found");
            }

            Models[Normalize(request.Json.GetProperty("destination").GetString() ?? "")] = true;
            return FakeReply.Json("");
        }

        if (!Models.ContainsKey(Normalize(model)))
        {
            return FakeReply.Error(404, $"model '{model}' not found");
        }

        switch (request.Path)
        {
            case "/api/delete":
                Models.TryRemove(Normalize(model), out _);
                return FakeReply.Json("");
            case "/api/show":
                return FakeReply.Json("""{"modelfile":"FROM x","parameters":"stop \"<|eot|>\"","template":"{{ .Prompt }}","details":{"format":"gguf","family":"llama","parameter_size":"8B","quantization_level":"Q4_0"},"model_info":{"general.architecture":"llama"},"capabilities":["completion","tools"]}""");
            case "/api/embed":
                var inputs = request.Json.GetProperty("input");
                var count = inputs.ValueKind == JsonValueKind.Array ? inputs.GetArrayLength() : 1;
                var texts = inputs.ValueKind == JsonValueKind.Array ? inputs.EnumerateArray().Select(i => i.GetString()!).ToList() : [inputs.GetString()!];
                var vectors = EmbeddingDimensions > 0
                    ? new JsonArray([.. texts.Select(t => (JsonNode)new JsonArray([.. BagOfWords(t, EmbeddingDimensions).Select(v => (JsonNode)v)]))])
                    : new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonArray(0.5 + i, -0.25, 0.125))]);
                return FakeReply.Json(new JsonObject { ["model"] = model, ["embeddings"] = vectors, ["total_duration"] = 1000, ["prompt_eval_count"] = 3 * count }.ToJsonString());
            case "/api/embeddings":
                return FakeReply.Json("""{"embedding":[0.5,-0.25,0.125]}""");
            case "/api/chat":
                return Streams(request)
                    ? ChatStream(model, ReplyText)
                    : FakeReply.Json(ChatLine(model, ReplyText, done: true));
            case "/api/generate":
                return Streams(request)
                    ? FakeReply.Ndjson([.. Words(ReplyText).Select(w => GenerateLine(model, w)), GenerateLine(model, "", done: true)])
                    : FakeReply.Json(GenerateLine(model, ReplyText, done: true));
            default:
                return FakeReply.Error(404, "404 page not found");
        }
    }

    private static bool Streams(RecordedRequest request) =>
        !(request.Json.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.False);

    private static string Normalize(string model) => model.Contains(':', StringComparison.Ordinal) ? model : model + ":latest";

    private static JsonObject Tag(string name) => new()
    {
        ["name"] = name,
        ["model"] = name,
        ["modified_at"] = "2026-11-01T10:00:00.000000Z",
        ["size"] = 4_661_224_676L,
        ["digest"] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name))),
        ["details"] = new JsonObject
        {
            ["parent_model"] = "",
            ["format"] = "gguf",
            ["family"] = "llama",
            ["families"] = new JsonArray("llama"),
            ["parameter_size"] = "8.0B",
            ["quantization_level"] = "Q4_0",
        },
    };

    /// <summary>Each word (lower case) adds 1 at a coordinate chosen by a stable hash; the vector is then normalised.</summary>
    public static float[] BagOfWords(string text, int dimensions)
    {
        var vector = new float[dimensions];
        foreach (var word in System.Text.RegularExpressions.Regex.Matches(text.ToLowerInvariant(), @"[\p{L}\p{N}]+").Select(m => m.Value))
        {
            var hash = 2166136261u;
            foreach (var c in word)
            {
                hash = (hash ^ c) * 16777619u;
            }

            vector[hash % (uint)dimensions] += 1;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return norm == 0 ? vector : [.. vector.Select(v => v / norm)];
    }
}
