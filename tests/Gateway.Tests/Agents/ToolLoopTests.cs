using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>The tool-call loop against a scripted model: multi-step, parallel, failing, invalid, unknown and slow tools.</summary>
public sealed class ToolLoopTests
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What is the weather in Paris, in Fahrenheit?")];

    private static ChatResponse Calls(params (string Id, string Name, Dictionary<string, object?> Arguments)[] calls) =>
        new(new ChatMessage(ChatRole.Assistant, [.. calls.Select(c => (AIContent)new FunctionCallContent(c.Id, c.Name, c.Arguments))]))
        {
            Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2 },
        };

    private static ChatResponse Answer(string text) => new(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 5 } };

    private static IEnumerable<FunctionResultContent> Results(ChatResponse response) =>
        response.Messages.Where(m => m.Role == ChatRole.Tool).SelectMany(m => m.Contents).OfType<FunctionResultContent>();

    [Fact]
    public async Task MultiStep_ToolResultsGoBackToTheModelUntilItAnswers()
    {
        var model = new ScriptedChatClient(
            _ => Calls(("c1", "weather", new() { ["city"] = "Paris" })),
            history =>
            {
                // The model sees the first result before it asks for the conversion.
                Assert.Equal("18", Assert.IsType<FunctionResultContent>(history[^1].Contents[0]).Result?.ToString());
                return Calls(("c2", "to_fahrenheit", new() { ["celsius"] = 18 }));
            },
            history => Answer($"It is {Assert.IsType<FunctionResultContent>(history[^1].Contents[0]).Result} °F in Paris."));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var response = await client.GetResponseAsync(Question, Options(Weather(), ToFahrenheit()));

        Assert.Equal("It is 64.4 °F in Paris.", response.Text);
        Assert.Equal(3, model.Turns.Count);
        Assert.Equal(["c1", "c2"], Results(response).Select(r => r.CallId));
        Assert.Equal(5, response.Messages.Count);
        Assert.Equal(40, response.Usage!.InputTokenCount);
        Assert.Equal(9, response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task ATurnAskingForTooManyCalls_RunsTheFirstOnes_AndTellsTheModelAboutTheRest()
    {
        var runs = 0;
        var count = AIFunctionFactory.Create(() => Interlocked.Increment(ref runs), "count", "Counts.");
        var model = new ScriptedChatClient(
            _ => Calls([.. Enumerable.Range(0, 10).Select(i => ($"c{i}", "count", new Dictionary<string, object?>()))]),
            _ => Answer("done"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions { MaxCallsPerTurn = 4, MaxParallelCalls = 2 });

        var response = await client.GetResponseAsync(Question, Options(count));

        Assert.Equal(4, runs);
        var results = Results(response).ToList();
        Assert.Equal(10, results.Count);
        Assert.Equal(6, results.Count(r => r.Result?.ToString() == "Error: not run: at most 4 tool calls are run per turn; ask for fewer."));
    }

    [Fact]
    public async Task RunAbortedException_FromATool_EndsTheRun_InsteadOfBecomingAResult()
    {
        var abort = AIFunctionFactory.Create(string () => throw new RunAbortedException("limit"), "abort", "Ends the run.");
        var model = new ScriptedChatClient(_ => Calls(("c1", "abort", [])), _ => Answer("never"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var thrown = await Assert.ThrowsAsync<RunAbortedException>(() => client.GetResponseAsync(Question, Options(abort)));

        Assert.Equal("limit", thrown.Message);
        Assert.Single(model.Turns);
    }

    [Fact]
    public async Task ParallelCalls_OfOneTurnRunConcurrently()
    {
        // Each tool waits until both have started: sequential execution would never finish.
        var started = 0;
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<string> Lookup(string city)
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                both.SetResult();
            }

            await both.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return city + ": sunny";
        }

        var model = new ScriptedChatClient(
            _ => Calls(("a", "lookup", new() { ["city"] = "Paris" }), ("b", "lookup", new() { ["city"] = "Rome" })),
            _ => Answer("both sunny"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var response = await client.GetResponseAsync(Question, Options(AIFunctionFactory.Create(Lookup, "lookup")));

        Assert.Equal(["Paris: sunny", "Rome: sunny"], Results(response).Select(r => r.Result?.ToString()));
        Assert.Equal("both sunny", response.Text);
    }

    [Fact]
    public async Task FailingTool_ErrorGoesToTheModelAsTheResult_AndTheLoopContinues()
    {
        var model = new ScriptedChatClient(
            _ => Calls(("x", "broken", []), ("y", "picky", [])),
            _ => Answer("sorry, the tools failed"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("connection string=secret"), "broken");
        var picky = AIFunctionFactory.Create(string () => throw new ToolException("the city is not known"), "picky");

        var response = await client.GetResponseAsync(Question, Options(broken, picky));

        var results = Results(response).ToList();
        Assert.Equal("Error: 'broken' failed.", results[0].Result);
        Assert.DoesNotContain("secret", results[0].Result?.ToString(), StringComparison.Ordinal);
        Assert.Equal("Error: the city is not known", results[1].Result);
        Assert.Equal("sorry, the tools failed", response.Text);
    }

    [Fact]
    public async Task InvalidArguments_AreRejectedBeforeTheToolRuns()
    {
        var ran = false;
        var model = new ScriptedChatClient(
            _ => Calls(("1", "to_fahrenheit", new() { ["celsius"] = "warm" }), ("2", "to_fahrenheit", [])),
            _ => Answer("done"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());
        var tool = AIFunctionFactory.Create((double celsius) =>
        {
            ran = true;
            return celsius;
        }, "to_fahrenheit");

        var response = await client.GetResponseAsync(Question, Options(tool));

        var results = Results(response).Select(r => r.Result?.ToString()).ToList();
        Assert.False(ran);
        Assert.Equal("Error: invalid arguments for 'to_fahrenheit': $.celsius: expected number, got string.", results[0]);
        Assert.Equal("Error: invalid arguments for 'to_fahrenheit': $.celsius: is required.", results[1]);
    }

    [Fact]
    public async Task UnknownTool_OnlyTheRequestsToolsCanRun()
    {
        var model = new ScriptedChatClient(_ => Calls(("1", "delete_everything", [])), _ => Answer("ok"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var response = await client.GetResponseAsync(Question, Options(Weather()));

        Assert.Equal("Error: tool_not_allowed: 'delete_everything' is not one of your tools. Available tools: weather.", Results(response).Single().Result);
    }

    [Fact]
    public async Task SlowTool_TimesOutAndTheModelIsTold()
    {
        var model = new ScriptedChatClient(_ => Calls(("1", "slow", [])), _ => Answer("gave up"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions { ToolTimeout = TimeSpan.FromMilliseconds(100) });
        var slow = AIFunctionFactory.Create(async (CancellationToken ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }, "slow");

        var response = await client.GetResponseAsync(Question, Options(slow));

        Assert.Equal("Error: 'slow' did not finish within 0.1 s.", Results(response).Single().Result);
        Assert.Equal("gave up", response.Text);
    }

    /// <summary>RELIABILITY.md AG-01: a model that keeps calling tools fails the run at the limit, with exactly that many model calls.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MaxIterations_AModelStuckOnToolsFailsTheRunAfterExactlyThatManyCalls(bool alternate)
    {
        var model = new ScriptedChatClient([.. Enumerable.Range(0, 20).Select(i => (Func<List<ChatMessage>, ChatResponse>)(_ =>
            alternate && i % 2 == 1 ? Calls(($"c{i}", "to_fahrenheit", new() { ["celsius"] = 1 })) : Calls(($"c{i}", "weather", new() { ["city"] = "Paris" }))))]);
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions { MaxIterations = 8 });

        var stopped = await Assert.ThrowsAsync<ToolLoopException>(() => client.GetResponseAsync(Question, Options(Weather(), ToFahrenheit())));

        Assert.Equal(ToolLoopException.MaxToolIterations, stopped.Reason);
        Assert.Equal(8, model.Turns.Count);
        // The partial transcript: eight model turns and the seven tool turns between them.
        Assert.Equal(15, stopped.Transcript.Count);
        Assert.Equal(7, stopped.Transcript.Count(m => m.Role == ChatRole.Tool));
    }

    [Fact]
    public async Task ConsecutiveErrors_AtTheLimitTheLoopStops()
    {
        var model = new ScriptedChatClient(_ => Calls(("1", "broken", [])), _ => Calls(("2", "broken", [])), _ => Answer("unreachable"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions { MaxConsecutiveErrors = 2 });

        var error = await Assert.ThrowsAsync<ToolLoopException>(() =>
            client.GetResponseAsync(Question, Options(AIFunctionFactory.Create(string () => throw new ToolException("down"), "broken"))));

        Assert.Contains("2 turns in a row", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, model.Turns.Count);
    }

    [Fact]
    public async Task LargeResult_IsCutAndMarked()
    {
        var model = new ScriptedChatClient(_ => Calls(("1", "big", [])), _ => Answer("ok"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions { MaxResultChars = 10 });

        var response = await client.GetResponseAsync(Question, Options(AIFunctionFactory.Create(() => new string('x', 25), "big")));

        Assert.Equal("xxxxxxxxxx…[truncated: 15 more characters]", Results(response).Single().Result);
    }

    [Fact]
    public async Task Streaming_YieldsTheModelsUpdatesAndTheToolResultsThenTheAnswer()
    {
        var model = new ScriptedChatClient(_ => Calls(("c1", "weather", new() { ["city"] = "Paris" })), _ => Answer("18 °C in Paris"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Question, Options(Weather())))
        {
            updates.Add(update);
        }

        var call = updates.FindIndex(u => u.Contents.OfType<FunctionCallContent>().Any());
        var result = updates.FindIndex(u => u.Role == ChatRole.Tool);
        var answer = updates.FindIndex(u => u.Text == "18 °C in Paris");
        Assert.True(call >= 0 && call < result && result < answer, $"call {call}, result {result}, answer {answer}");
        Assert.Equal("18", updates[result].Contents.OfType<FunctionResultContent>().Single().Result?.ToString());
        Assert.Equal(2, model.Turns.Count);
    }

    [Fact]
    public async Task LooseArguments_NumbersAsStringsAndWholeDoubles_AreCoercedToTheSchemasTypes()
    {
        var model = new ScriptedChatClient(
            _ => Calls(("1", "to_fahrenheit", new() { ["celsius"] = "18" }), ("2", "repeat", new() { ["times"] = 3.0 })),
            _ => Answer("ok"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var response = await client.GetResponseAsync(Question, Options(ToFahrenheit(), AIFunctionFactory.Create((int times) => new string('x', times), "repeat")));

        Assert.Equal(["64.4", "xxx"], Results(response).Select(r => r.Result?.ToString()));
    }

    [Fact]
    public async Task SynchronousTools_RunInParallelAndOneThatIgnoresItsTokenStillTimesOut()
    {
        using var both = new Barrier(2);
        using var stuck = new ManualResetEventSlim();
        string Meet(string who) => both.SignalAndWait(TimeSpan.FromSeconds(10)) ? who : "alone";
        var model = new ScriptedChatClient(
            _ => Calls(("a", "meet", new() { ["who"] = "a" }), ("b", "meet", new() { ["who"] = "b" }), ("c", "stuck", [])),
            _ => Answer("ok"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions { ToolTimeout = TimeSpan.FromMilliseconds(500) });
        try
        {
            var response = await client.GetResponseAsync(Question, Options(
                AIFunctionFactory.Create(Meet, "meet"),
                AIFunctionFactory.Create(() => stuck.Wait(TimeSpan.FromSeconds(30)), "stuck")));

            Assert.Equal(["a", "b", "Error: 'stuck' did not finish within 0.5 s."], Results(response).Select(r => r.Result?.ToString()));
        }
        finally
        {
            stuck.Set();
        }
    }

    [Fact]
    public async Task ToolsOwnCancellation_IsAFailedCallNotTheRequestsEnd()
    {
        var model = new ScriptedChatClient(_ => Calls(("1", "flaky", [])), _ => Answer("recovered"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());

        var response = await client.GetResponseAsync(Question, Options(
            AIFunctionFactory.Create(string () => throw new TaskCanceledException("the tool's HTTP call timed out"), "flaky")));

        Assert.Equal("Error: 'flaky' failed.", Results(response).Single().Result);
        Assert.Equal("recovered", response.Text);
    }

    [Fact]
    public async Task RequiredToolMode_HoldsForTheFirstTurnOnly_AndInformationalCallsAreNotRun()
    {
        var ran = 0;
        var model = new ScriptedChatClient(
            _ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [
                new FunctionCallContent("1", "count"), new FunctionCallContent("2", "count") { InformationalOnly = true }])),
            _ => Answer("done"));
        var client = new ToolInvokingChatClient(model, new ToolLoopOptions());
        var options = Options(AIFunctionFactory.Create(() => Interlocked.Increment(ref ran), "count"));
        options.ToolMode = ChatToolMode.RequireAny;

        await client.GetResponseAsync(Question, options);

        Assert.Equal(1, ran);
        Assert.IsType<RequiredChatToolMode>(model.Turns[0].Options?.ToolMode);
        Assert.Equal(ChatToolMode.Auto, model.Turns[1].Options?.ToolMode);
    }

    [Fact]
    public async Task Pipeline_FirstUseIsTheOutermost()
    {
        var order = new List<string>();
        var model = new ScriptedChatClient(_ => Answer("hi"));
        var client = new ChatPipeline(model)
            .Use(inner => new RecordingClient(inner, "outer", order))
            .Use(inner => new RecordingClient(inner, "inner", order))
            .Build();

        await client.GetResponseAsync(Question);

        Assert.Equal(["outer", "inner"], order);
    }

    private static ChatOptions Options(params AITool[] tools) => new() { Tools = tools };

    private static AIFunction Weather() => AIFunctionFactory.Create(([Description("The city")] string city) => city == "Paris" ? 18 : 0, "weather");

    private static AIFunction ToFahrenheit() => AIFunctionFactory.Create((double celsius) => (celsius * 9 / 5) + 32, "to_fahrenheit");

    /// <summary>A model whose turns are scripted: each turn gets the history it was sent and returns the model's answer.</summary>
    private sealed class ScriptedChatClient(params Func<List<ChatMessage>, ChatResponse>[] turns) : IChatClient
    {
        public List<(List<ChatMessage> History, ChatOptions? Options)> Turns { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var history = messages.ToList();
            Turns.Add((history, options));
            return Task.FromResult(turns[Turns.Count - 1](history));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class RecordingClient(IChatClient inner, string name, List<string> order) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            order.Add(name);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
