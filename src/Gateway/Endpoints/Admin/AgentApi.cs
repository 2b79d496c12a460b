using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.AI;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Agents;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>Agent management (seed 003): create, list, read, replace, patch, delete, health, and a synchronous invoke.</summary>
internal static class AgentApi
{
    private const int MaxPerPage = 100;

    public static RouteGroupBuilder MapAgentApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/agents").WithTags("Agents");
        group.MapPost("", CreateAsync).WithName("AgentCreate");
        group.MapGet("", ListAsync).WithName("AgentList");
        group.MapGet("/{id}", GetAsync).WithName("AgentGet");
        group.MapPut("/{id}", ReplaceAsync).WithName("AgentReplace");
        group.MapPatch("/{id}", PatchAsync).WithName("AgentPatch");
        group.MapDelete("/{id}", DeleteAsync).WithName("AgentDelete");
        group.MapGet("/{id}/health", HealthAsync).WithName("AgentHealth");
        group.MapPost("/{id}/invoke", InvokeAsync).WithName("AgentInvoke");
        return group;
    }

    private static async Task<Created<Envelope<AgentView>>> CreateAsync(HttpContext context, AgentStore store, ToolCatalog catalog, TimeProvider time)
    {
        var definition = AgentRules.Validate(await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.AgentDefinition).ConfigureAwait(false), catalog);
        var agent = await store.CreateAsync(definition, "api", context.RequestAborted).ConfigureAwait(false)
            ?? throw new GatewayException(ErrorKind.Conflict, $"an agent named '{definition.Name}' exists already", "name");
        return TypedResults.Created($"/api/v1/agents/{agent.Id}", Envelope.Success(context, View(agent), time));
    }

    private static async Task<Ok<Envelope<AgentPageView>>> ListAsync(HttpContext context, AgentStore store, TimeProvider time, int? page, int? per_page)
    {
        var (number, size) = Paging.Read(page, per_page, 20, MaxPerPage);
        var (items, total) = await store.ListAsync(number, size, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new AgentPageView
        {
            Items = [.. items.Select(View)],
            Total = total,
            Page = number,
            PerPage = size,
            HasNext = Paging.HasNext(number, size, total),
            HasPrev = number > 1,
        }, time));
    }

    private static async Task<Ok<Envelope<AgentView>>> GetAsync(HttpContext context, string id, AgentStore store, TimeProvider time) =>
        TypedResults.Ok(Envelope.Success(context, View(await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false)), time));

    private static async Task<Ok<Envelope<AgentView>>> ReplaceAsync(HttpContext context, string id, AgentStore store, ToolCatalog catalog, TimeProvider time)
    {
        var definition = AgentRules.Validate(await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.AgentDefinition).ConfigureAwait(false), catalog);
        var existing = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, View(await UpdateAsync(store, existing, definition, context.RequestAborted).ConfigureAwait(false)), time));
    }

    private static async Task<Ok<Envelope<AgentView>>> PatchAsync(HttpContext context, string id, AgentStore store, ToolCatalog catalog, TimeProvider time)
    {
        var members = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.DictionaryStringJsonElement).ConfigureAwait(false);
        var patch = JsonSerializer.SerializeToElement(members, SutazJsonContext.Default.DictionaryStringJsonElement);
        var existing = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        var definition = AgentRules.Validate(AgentRules.Patch(existing.Definition, patch), catalog);
        return TypedResults.Ok(Envelope.Success(context, View(await UpdateAsync(store, existing, definition, context.RequestAborted).ConfigureAwait(false)), time));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, string id, AgentStore store)
    {
        var existing = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        return await store.DeleteAsync(existing.Id, context.RequestAborted).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : throw NotFound();
    }

    private static async Task<Ok<Envelope<AgentHealthView>>> HealthAsync(HttpContext context, string id, AgentStore store, ToolCatalog catalog,
        ModelDirectory models, TimeProvider time)
    {
        var agent = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        var model = agent.Definition.Config!.ModelName!;
        var available = await models.FindAsync(model, context.RequestAborted).ConfigureAwait(false) is not null;
        var tools = (agent.Definition.Config.Tools ?? []).ToDictionary(t => t, catalog.Contains, StringComparer.Ordinal);
        return TypedResults.Ok(Envelope.Success(context, new AgentHealthView
        {
            AgentId = agent.Id,
            Model = model,
            ModelAvailable = available,
            Tools = tools,
            Status = available && tools.Values.All(t => t) ? "healthy" : "degraded",
        }, time));
    }

    private static async Task<Ok<Envelope<AgentInvokeReply>>> InvokeAsync(HttpContext context, string id, AgentStore store, AgentRunner runner, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.AgentInvokeRequest).ConfigureAwait(false);
        var agent = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        var (response, duration) = await runner.RunAsync(agent, Conversation(request), Auth.Caller.From(context), context.RequestAborted).ConfigureAwait(false);
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        var results = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToDictionary(r => r.CallId, StringComparer.Ordinal);
        return TypedResults.Ok(Envelope.Success(context, new AgentInvokeReply
        {
            AgentId = agent.Id,
            Response = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? "",
            Model = response.ModelId ?? agent.Definition.Config!.ModelName!,
            Iterations = response.Messages.Count(m => m.Role == ChatRole.Assistant),
            TokensUsed = response.Usage?.TotalTokenCount ?? ((response.Usage?.InputTokenCount ?? 0) + (response.Usage?.OutputTokenCount ?? 0)),
            DurationMs = Math.Round(duration.TotalMilliseconds, 3),
            ToolCalls = [.. calls.Select(c => new AgentToolCallView
            {
                Id = c.CallId,
                Name = c.Name,
                Arguments = JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions),
                // The tool loop hands results back as text (capped, compact JSON), errors as "Error: …".
                Result = results.GetValueOrDefault(c.CallId)?.Result?.ToString(),
                Error = results.GetValueOrDefault(c.CallId)?.Result is string text && text.StartsWith("Error:", StringComparison.Ordinal),
            })],
        }, time));
    }

    private static List<ChatMessage> Conversation(AgentInvokeRequest request)
    {
        if (request.Messages is { Count: > 0 } messages)
        {
            return [.. messages.Select((m, i) => new ChatMessage(m.Role switch
            {
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "system" => ChatRole.System,
                _ => throw GatewayException.Invalid("messages[].role must be user, assistant or system", $"messages[{i}].role"),
            }, m.Content ?? throw GatewayException.Invalid("messages[].content is required", $"messages[{i}].content")))];
        }

        return !string.IsNullOrWhiteSpace(request.Message)
            ? [new ChatMessage(ChatRole.User, request.Message)]
            : throw GatewayException.Invalid("message (or messages) is required", "message");
    }

    private static async Task<AgentRecord> UpdateAsync(AgentStore store, AgentRecord existing, AgentDefinition definition, CancellationToken cancellationToken)
    {
        var (outcome, updated) = await store.UpdateAsync(existing.Id, definition, cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            AgentStore.UpdateOutcome.Updated => updated!,
            AgentStore.UpdateOutcome.NameTaken => throw new GatewayException(ErrorKind.Conflict, $"an agent named '{definition.Name}' exists already", "name"),
            _ => throw NotFound(),
        };
    }

    /// <summary>An agent by id or name, or 404 AGENT_NOT_FOUND (every agent route, executions included).</summary>
    internal static async Task<AgentRecord> FindAsync(AgentStore store, string id, CancellationToken cancellationToken) =>
        (id.Length <= 64 ? await store.FindAsync(id, cancellationToken).ConfigureAwait(false) : null) ?? throw NotFound();

    private static GatewayException NotFound() => new(ErrorKind.AgentNotFound, "agent not found");

    private static AgentView View(AgentRecord agent) => new()
    {
        AgentId = agent.Id,
        Name = agent.Name,
        Description = agent.Definition.Description,
        AgentType = agent.Definition.AgentType ?? "assistant",
        Config = agent.Definition.Config!,
        Capabilities = agent.Definition.Config!.Capabilities ?? [],
        Metadata = agent.Definition.Metadata ?? [],
        Model = "agent:" + agent.Name,
        CreatedAt = agent.CreatedAt,
        UpdatedAt = agent.UpdatedAt,
        Endpoints = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["self"] = $"/api/v1/agents/{agent.Id}",
            ["invoke"] = $"/api/v1/agents/{agent.Id}/invoke",
            ["execute"] = $"/api/v1/agents/{agent.Id}/execute",
            ["health"] = $"/api/v1/agents/{agent.Id}/health",
        },
    };
}
