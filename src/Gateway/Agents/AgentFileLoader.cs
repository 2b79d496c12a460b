using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Storage.Agents;
using YamlDotNet.Serialization;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// Loads agent definitions from the YAML files (*.yaml, *.yml) in <c>Agents:Directory</c> at start: the same fields
/// and the same validation as POST /api/v1/agents. A file's agent is created, or updated when it came from a file
/// before; an agent managed through the API is never overwritten by a file. A bad file is logged and skipped.
/// When the store is ready at start this happens before the gateway serves; otherwise as soon as it is migrated.
/// </summary>
internal sealed partial class AgentFileLoader(IOptions<AgentOptions> options, AgentStore store, ToolCatalog catalog, StoreHealth health,
    TimeProvider time, ILogger<AgentFileLoader> logger) : BackgroundService
{
    private bool _loaded;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (health.Migrated && options.Value.Directory is not null)
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            _loaded = true;
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_loaded || options.Value.Directory is null)
        {
            return;
        }

        using var wait = new PeriodicTimer(TimeSpan.FromMilliseconds(250), time);
        while (!health.Migrated && await wait.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
        }

        await LoadAsync(stoppingToken).ConfigureAwait(false);
    }

    internal async Task LoadAsync(CancellationToken cancellationToken)
    {
        var directory = options.Value.Directory!;
        if (!Directory.Exists(directory))
        {
            LogMissingDirectory(logger, directory);
            return;
        }

        var files = Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            try
            {
                var definition = AgentRules.Validate(Read(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)), catalog);
                var existing = await store.FindAsync(definition.Name!, cancellationToken).ConfigureAwait(false);
                if (existing is null)
                {
                    if (await store.CreateAsync(definition, "file", cancellationToken).ConfigureAwait(false) is not null)
                    {
                        LogLoaded(logger, definition.Name!, fileName);
                    }
                }
                else if (existing.Source == "file")
                {
                    await store.UpdateAsync(existing.Id, definition, cancellationToken).ConfigureAwait(false);
                    LogLoaded(logger, definition.Name!, fileName);
                }
                else
                {
                    LogKeptApiAgent(logger, definition.Name!, fileName);
                }
            }
            catch (Exception e) when (e is GatewayException or YamlDotNet.Core.YamlException or JsonException or IOException)
            {
                LogBadFile(logger, fileName, e.Message);
            }
        }
    }

    /// <summary>YAML to the JSON contract of the API: unquoted numbers and booleans keep their types.</summary>
    internal static AgentDefinition Read(string yaml)
    {
        var document = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object?>(yaml);
        var json = ToJson(document) as JsonObject ?? throw GatewayException.Invalid("the file must hold one agent definition (a mapping)");
        return json.Deserialize(SutazJsonContext.Default.AgentDefinition) ?? throw GatewayException.Invalid("the file holds no agent");
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(Convert.ToString(p.Key, CultureInfo.InvariantCulture)!, ToJson(p.Value)))),
        IList<object?> list => new JsonArray([.. list.Select(ToJson)]),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        // YAML's unquoted numbers come back as the smallest fitting type (byte, ushort, ...).
        byte or sbyte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create((decimal)u),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create(double.Parse(f.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)), // 0.3, not 0.30000001192
        decimal m => JsonValue.Create(m),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent '{Name}' loaded from {File}")]
    private static partial void LogLoaded(ILogger logger, string name, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent file {File} skipped: {Reason}")]
    private static partial void LogBadFile(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent '{Name}' in {File} not loaded: an agent of that name is managed through the API")]
    private static partial void LogKeptApiAgent(ILogger logger, string name, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agents:Directory {Directory} does not exist; no agent files loaded")]
    private static partial void LogMissingDirectory(ILogger logger, string directory);
}
