using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway as a separate process (the built SutazAi.Gateway.dll next to the tests), for crash tests:
/// settings go in as environment variables, the bound port is read from the "Now listening on" log line,
/// and <see cref="KillAsync"/> is a SIGKILL (no shutdown code runs).
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<GatewayProcess> StartAsync(IDictionary<string, string?> settings)
    {
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(directory, "SutazAi.Gateway.dll")}\" --urls http://127.0.0.1:0")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Logging__Console__FormatterName"] = "simple";
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited).WaitAsync(TimeSpan.FromSeconds(60)) != listening.Task)
        {
            throw new InvalidOperationException($"the gateway process exited before listening (code {process.ExitCode})");
        }

        return new GatewayProcess(process, await listening.Task);
    }

    /// <summary>SIGKILL: the process dies at once, mid-task, with nothing flushed or released.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: a graceful stop, as a container runtime or systemd sends it.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", $"-TERM {_process.Id}"))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
