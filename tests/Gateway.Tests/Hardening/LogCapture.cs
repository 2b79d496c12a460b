using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// Collects the gateway's log entries at Warning and above (GatewayFactory's minimum level). Attached after start
/// through <see cref="ILoggerFactory.AddProvider"/>, which also reaches loggers created before it.
/// </summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    /// <summary>Entries at Error or Critical: "category: message (exception type)".</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    public ILogger CreateLogger(string categoryName) => new CapturedLogger(categoryName, this);

    public void Dispose()
    {
    }

    internal void Add(string category, LogLevel level, string message, Exception? exception)
    {
        if (level >= LogLevel.Error)
        {
            _errors.Enqueue($"{category}: {message}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
        }
    }
}
