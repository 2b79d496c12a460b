using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// Validates an agent definition before it is stored, each failure a 400 naming the field; fills the defaults. The
/// name is also the model name "agent:&lt;name&gt;", so it is kept to what a model tag allows.
/// </summary>
internal static partial class AgentRules
{
    public const int DefaultMaxIterations = 8;
    public const int DefaultTimeoutSeconds = 120;

    public static AgentDefinition Validate(AgentDefinition definition, ToolCatalog catalog)
    {
        var name = definition.Name ?? throw GatewayException.Invalid("name is required", "name");
        if (!NamePattern().IsMatch(name))
        {
            throw GatewayException.Invalid("name must be 1 to 63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", "name");
        }

        Length(definition.Description, 2000, "description");
        definition.AgentType ??= "assistant";
        Length(definition.AgentType, 64, "agent_type");
        var config = definition.Config ?? throw GatewayException.Invalid("config is required", "config");
        config.ModelName = ModelName.Validate(config.ModelName, "config.model_name");
        if (config.Temperature is < 0 or > 2)
        {
            throw GatewayException.Invalid("config.temperature must be between 0 and 2", "config.temperature");
        }

        if (config.MaxTokens is < 1 or > 1_000_000)
        {
            throw GatewayException.Invalid("config.max_tokens must be between 1 and 1000000", "config.max_tokens");
        }

        Length(config.SystemPrompt, 100_000, "config.system_prompt");
        Length(config.AutonomyLevel, 32, "config.autonomy_level");
        config.Capabilities ??= [];
        if (config.Capabilities.Count > 64 || config.Capabilities.Any(c => c is null || c.Length is 0 or > 64))
        {
            throw GatewayException.Invalid("config.capabilities must be at most 64 names of 1 to 64 characters", "config.capabilities");
        }

        config.Tools ??= [];
        if (config.Tools.Any(t => t is null))
        {
            throw GatewayException.Invalid("config.tools must list tool names", "config.tools");
        }

        catalog.Validate(config.Tools, "config.tools");
        config.Tools = [.. config.Tools.Distinct(StringComparer.Ordinal)];
        config.MaxIterations ??= DefaultMaxIterations;
        if (config.MaxIterations is < 1 or > 50)
        {
            throw GatewayException.Invalid("config.max_iterations must be between 1 and 50", "config.max_iterations");
        }

        config.TimeoutSeconds ??= DefaultTimeoutSeconds;
        if (config.TimeoutSeconds is < 1 or > 3600)
        {
            throw GatewayException.Invalid("config.timeout_seconds must be between 1 and 3600", "config.timeout_seconds");
        }

        if (config.TokenBudget is < 1 or > 100_000_000)
        {
            throw GatewayException.Invalid("config.token_budget must be between 1 and 100000000", "config.token_budget");
        }

        config.MemoryEnabled ??= false;
        definition.Metadata ??= [];
        if (definition.Metadata.Count > 64)
        {
            throw GatewayException.Invalid("metadata must have at most 64 keys", "metadata");
        }

        return definition;
    }

    /// <summary>RFC 7386 JSON merge patch: objects merge member by member, null removes, anything else replaces.</summary>
    public static AgentDefinition Patch(AgentDefinition current, JsonElement patch)
    {
        if (patch.ValueKind != JsonValueKind.Object)
        {
            throw GatewayException.Invalid("a PATCH body must be a JSON object (a merge patch)");
        }

        var target = JsonSerializer.SerializeToNode(current, SutazJsonContext.Default.AgentDefinition)!;
        var merged = Merge(target, JsonNode.Parse(patch.GetRawText()));
        try
        {
            return merged.Deserialize(SutazJsonContext.Default.AgentDefinition) ?? throw GatewayException.Invalid("the patched agent is empty");
        }
        catch (JsonException e)
        {
            throw GatewayException.Invalid($"the patched agent is not a valid definition: {e.Path}", e.Path?.TrimStart('$', '.'));
        }
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Merge(result[key]?.DeepClone(), value);
            }
        }

        return result;
    }

    private static void Length(string? value, int max, string field)
    {
        if (value is { Length: var length } && length > max)
        {
            throw GatewayException.Invalid($"{field} must be at most {max} characters", field);
        }
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,62}\z")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);
}
