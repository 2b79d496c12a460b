using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.OpenAI;

/// <summary>Golden wire traces of /v1/chat/completions, asserted field by field (PROTOCOLS.md §2.3, §2.4).</summary>
public sealed class ChatCompletionsWireTests
{
    private const string Model = "llama3:latest";

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Chat_NonStreamed_ReturnsCompletionWithUsageAndNulls()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions",
            Body("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"seed":7,"max_tokens":50,"stop":"END"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("chatcmpl-", json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal(Model, json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("created").GetInt64() > 0);
        var choice = json.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Hello from the fake model", message.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("refusal").ValueKind);
        var usage = json.GetProperty("usage");
        Assert.Equal(7, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(12, usage.GetProperty("total_tokens").GetInt32());

        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.False(sent.GetProperty("stream").GetBoolean());
        Assert.Equal("user", sent.GetProperty("messages")[0].GetProperty("role").GetString());
        var options = sent.GetProperty("options");
        Assert.Equal(0.2, options.GetProperty("temperature").GetDouble());
        Assert.Equal(7, options.GetProperty("seed").GetInt64());
        Assert.Equal(50, options.GetProperty("num_predict").GetInt32());
        Assert.Equal("END", options.GetProperty("stop")[0].GetString());
    }

    [Fact]
    public async Task Chat_Streamed_EmitsRoleFirstOneFinishUsageChunkThenDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions",
            Body("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        var data = Sse.DataEvents(body);
        Assert.Equal("[DONE]", data[^1]);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        var events = Sse.JsonEvents(body);

        var first = events[0];
        Assert.Equal("chat.completion.chunk", first.GetProperty("object").GetString());
        Assert.Equal("assistant", first.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("", first.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);

        var ids = events.Select(e => e.GetProperty("id").GetString()).Distinct().ToList();
        Assert.Single(ids);
        Assert.Single(events.Select(e => e.GetProperty("created").GetInt64()).Distinct());

        var content = string.Concat(events.Where(e => e.GetProperty("choices").GetArrayLength() == 1)
            .Select(e => e.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out _))
            .Select(d => d.GetProperty("content").GetString()));
        Assert.Equal("Hello from the fake model", content);

        var finishes = events.Where(e => e.GetProperty("choices").GetArrayLength() == 1
            && e.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null).ToList();
        var finish = Assert.Single(finishes);
        Assert.Equal("stop", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("{}", finish.GetProperty("choices")[0].GetProperty("delta").GetRawText());

        var usageChunk = events[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(12, usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.True(events.Take(events.Count - 1).All(e => !e.TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task Chat_StreamedToolCalls_CarryIndexIdTypeAndStringArgumentsAndFinishToolCalls()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Ndjson(
        [
            FakeOllama.ChatLine(Model, "", toolCallsJson: """[{"function":{"index":0,"name":"get_weather","arguments":{"city":"Paris","days":2}}},{"id":"call_upstream","function":{"index":1,"name":"get_time","arguments":{}}}]"""),
            FakeOllama.ChatLine(Model, "", done: true),
        ]));
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body("""
            {"model":"llama3:latest","stream":true,"messages":[{"role":"user","content":"weather?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":"auto"}
            """));

        var events = Sse.JsonEvents(await response.Content.ReadAsStringAsync());
        var toolDelta = events.Select(e => e.GetProperty("choices")[0].GetProperty("delta")).Single(d => d.TryGetProperty("tool_calls", out _));
        var calls = toolDelta.GetProperty("tool_calls");
        Assert.Equal(2, calls.GetArrayLength());
        Assert.Equal(0, calls[0].GetProperty("index").GetInt32());
        Assert.StartsWith("call_", calls[0].GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("function", calls[0].GetProperty("type").GetString());
        Assert.Equal("get_weather", calls[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris","days":2}""", calls[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal(1, calls[1].GetProperty("index").GetInt32());
        Assert.Equal("call_upstream", calls[1].GetProperty("id").GetString());
        Assert.Equal("{}", calls[1].GetProperty("function").GetProperty("arguments").GetString());
        var finish = events.Single(e => e.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null);
        Assert.Equal("tool_calls", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var sentTool = fake.RequestsTo("/api/chat")[0].Json.GetProperty("tools")[0];
        Assert.Equal("get_weather", sentTool.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Chat_ToolResultAndImagesAndSchema_AreTranslatedToOllamaNative()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body("""
            {"model":"llama3:latest","user":{"id":"u1","name":"n"},"unknown_field":1,"reasoning_effort":"high",
             "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object","properties":{"t":{"type":"number"}}}}},
             "messages":[
              {"role":"developer","content":"be brief"},
              {"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"12C"}]}
            """));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var sent = fake.RequestsTo("/api/chat")[0].Json;
        var messages = sent.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("look", messages[1].GetProperty("content").GetString());
        Assert.Equal("iVBORw0KGgo=", messages[1].GetProperty("images")[0].GetString());
        var call = messages[2].GetProperty("tool_calls")[0];
        Assert.Equal(JsonValueKind.Object, call.GetProperty("function").GetProperty("arguments").ValueKind);
        Assert.Equal("Oslo", call.GetProperty("function").GetProperty("arguments").GetProperty("city").GetString());
        Assert.Equal("tool", messages[3].GetProperty("role").GetString());
        Assert.Equal("get_weather", messages[3].GetProperty("tool_name").GetString());
        Assert.Equal("call_1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("object", sent.GetProperty("format").GetProperty("type").GetString());
        Assert.Equal("high", sent.GetProperty("think").GetString());
        Assert.False(sent.TryGetProperty("unknown_field", out _));
        Assert.False(sent.TryGetProperty("user", out _));
    }

    [Fact]
    public async Task Chat_JsonObjectFormatAndThinking_MapToFormatJsonAndReasoningContent()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Ndjson(
        [
            FakeOllama.ChatLine(Model, "", thinking: "let me think"),
            FakeOllama.ChatLine(Model, "{\"a\":1}"),
            FakeOllama.ChatLine(Model, "", done: true, doneReason: "length"),
        ]));
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions",
            Body("""{"model":"llama3:latest","stream":true,"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"json"}]}"""));

        var events = Sse.JsonEvents(await response.Content.ReadAsStringAsync());
        var deltas = events.Select(e => e.GetProperty("choices")[0].GetProperty("delta")).ToList();
        Assert.Contains(deltas, d => d.TryGetProperty("reasoning_content", out var r) && r.GetString() == "let me think");
        Assert.Equal("length", events[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("json", fake.RequestsTo("/api/chat")[0].Json.GetProperty("format").GetString());
    }

    [Theory]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":"x"}],"n":2}""", "n")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":"x"}],"logprobs":true}""", "logprobs")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":"x"}],"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":"x"}],"logit_bias":{"1":2}}""", "logit_bias")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://example.com/a.png"}}]}]}""", "messages[0].content[0].image_url")]
    [InlineData("""{"model":"llama3:latest","messages":[]}""", "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "model")]
    public async Task Chat_UnsupportedOrInvalidField_Returns400NamingTheField(string json, string param)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.True(error.TryGetProperty("code", out _));
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Chat_UnknownModel_Returns404ModelNotFoundWithoutCallingUpstream()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body("""{"model":"nope:latest","messages":[{"role":"user","content":"x"}]}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model 'nope:latest' not found", error.GetProperty("message").GetString());
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Chat_UpstreamResetMidStream_SendsErrorEventAndNoDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => new FakeReply
        {
            ContentType = "application/x-ndjson",
            Chunks = [FakeOllama.ChatLine(Model, "one") + "\n", FakeOllama.ChatLine(Model, " two") + "\n", FakeOllama.ChatLine(Model, " three") + "\n"],
            AbortAfterChunks = 2,
            AbortGate = gate.Task,
        });
        await using var gateway = GatewayFactory.For(fake);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Body("""{"model":"llama3:latest","stream":true,"messages":[{"role":"user","content":"x"}]}"""),
        };
        using var response = await gateway.Client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var body = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            body.Append(line).Append('\n');
            if (line.Contains("\" two\"", StringComparison.Ordinal))
            {
                gate.TrySetResult();
            }
        }

        var text = body.ToString();
        var data = Sse.DataEvents(text);
        Assert.DoesNotContain("[DONE]", data);
        var events = Sse.JsonEvents(text);
        Assert.Contains(events, e => e.TryGetProperty("choices", out var c) && c[0].GetProperty("delta").TryGetProperty("content", out var t) && t.GetString() == " two");
        var error = events[^1].GetProperty("error");
        Assert.Equal("upstream_stream_broken", error.GetProperty("code").GetString());
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.TryGetProperty("choices", out var c) && c.GetArrayLength() > 0 && c[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Models_ListAndRetrieve_AnswerFromMergedCatalog()
    {
        await using var fake = await FakeOllama.StartAsync(Model, "library/qwen2:7b");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Equal("list", list.GetProperty("object").GetString());
        var ids = list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["library/qwen2:7b", Model], ids);
        var qwen = list.GetProperty("data")[0];
        Assert.Equal("model", qwen.GetProperty("object").GetString());
        Assert.Equal("library", qwen.GetProperty("owned_by").GetString());
        Assert.True(qwen.GetProperty("created").GetInt64() > 0);

        var one = await client.GetFromJsonAsync<JsonElement>("/v1/models/library/qwen2:7b");
        Assert.Equal("library/qwen2:7b", one.GetProperty("id").GetString());
        var missing = await client.GetAsync("/v1/models/nope:1b");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
