using Microsoft.AspNetCore.Http.HttpResults;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// GET /api/v1/tools: the tools agents can list, each with its description and JSON schema: the built-in plugins,
/// then the tools of the MCP servers that answer now (named as agents list them, "mcp:&lt;server&gt;/&lt;tool&gt;").
/// </summary>
internal static class ToolApi
{
    public static RouteHandlerBuilder MapToolApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/tools", ListAsync).WithName("ToolList").WithTags("Tools");

    private static async Task<Ok<Envelope<ToolListView>>> ListAsync(HttpContext context, ToolCatalog catalog, TimeProvider time)
    {
        var tools = await catalog.ListAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new ToolListView
        {
            Tools = [.. tools.OrderBy(t => t.Reference.StartsWith(ToolCatalog.McpPrefix, StringComparison.Ordinal)).ThenBy(t => t.Reference, StringComparer.Ordinal)
                .Select(t => new ToolView { Name = t.Reference, Function = t.Tool.Name, Description = t.Tool.Description, Parameters = t.Tool.JsonSchema })],
        }, time));
    }
}
