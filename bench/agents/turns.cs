#:project ../../src/Agents/Agents.csproj
#:property TreatWarningsAsErrors=false
#:property AnalysisLevel=none
#:property PublishAot=false

// Orchestration overhead of the tool-call loop per model turn, against a zero-latency model: every turn but the last
// asks for one no-op tool; the time per turn is the loop's own cost (schema check, invocation, history, messages).
// Usage: dotnet run -c Release bench/agents/turns.cs [turns-per-conversation] [conversations]
using System.Diagnostics;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

var turns = args.Length > 0 ? int.Parse(args[0]) : 8;
var conversations = args.Length > 1 ? int.Parse(args[1]) : 20_000;
var tool = AIFunctionFactory.Create((string city) => city.Length, "lookup");
var options = new ChatOptions { Tools = [tool] };
var question = new[] { new ChatMessage(ChatRole.User, "go") };
var client = new ToolInvokingChatClient(new InstantModel(turns), new ToolLoopOptions { MaxIterations = turns });

for (var i = 0; i < 2_000; i++)
{
    await client.GetResponseAsync(question, options); // warm-up (JIT)
}

GC.Collect();
var allocated = GC.GetTotalAllocatedBytes(precise: true);
var clock = Stopwatch.StartNew();
for (var i = 0; i < conversations; i++)
{
    await client.GetResponseAsync(question, options);
}

clock.Stop();
var perTurn = clock.Elapsed.TotalMicroseconds / (conversations * (double)turns);
var bytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)(conversations * turns);
Console.WriteLine($"turns per conversation: {turns}, conversations: {conversations}");
Console.WriteLine($"loop overhead per model turn: {perTurn:0.00} µs; allocated per turn: {bytes:0} B");

/// <summary>A model that answers at once: a tool call on every turn but the last, then text.</summary>
sealed class InstantModel(int turns) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var turn = messages.Count(m => m.Role == ChatRole.Assistant);
        var message = turn < turns - 1
            ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"c{turn}", "lookup", new Dictionary<string, object?> { ["city"] = "Paris" })])
            : new ChatMessage(ChatRole.Assistant, "done");
        return Task.FromResult(new ChatResponse(message));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
