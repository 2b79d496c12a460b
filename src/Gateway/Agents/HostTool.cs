using Microsoft.Extensions.AI;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// A tool the hosting application adds to the catalog (registered as a singleton <see cref="HostTool"/>): for
/// in-house plugins that live outside this repository. Its name must not clash with a built-in tool.
/// </summary>
internal sealed record HostTool(AIFunction Function);
