using Microsoft.Extensions.Logging;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>The per-category logger of <see cref="LogCapture"/>.</summary>
internal sealed class CapturedLogger(string category, LogCapture capture) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        capture.Add(category, logLevel, formatter(state, exception), exception);
    }
}
