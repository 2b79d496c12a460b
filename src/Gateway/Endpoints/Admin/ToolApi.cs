using Microsoft.AspNetCore.Http.HttpResults;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>GET /api/v1/tools: the plugins agents can use, each with its description and JSON schema.</summary>
internal static class ToolApi
{
    public static RouteHandlerBuilder MapToolApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/tools", (HttpContext context, ToolCatalog catalog, TimeProvider time) => TypedResults.Ok(Envelope.Success(context, new ToolListView
        {
            Tools = [.. catalog.All.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ToolView { Name = t.Name, Description = t.Description, Parameters = t.JsonSchema })],
        }, time))).WithName("ToolList").WithTags("Tools");
}
