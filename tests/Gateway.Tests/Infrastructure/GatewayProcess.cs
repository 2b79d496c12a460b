using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway as a separate process (the built SutazAi.Gateway.dll next to the tests, or Gateway.TestHost.dll: the
/// same gateway with fault hooks), for crash tests: settings go in as environment variables, the bound port is read
/// from the "Now listening on" log line, and <see cref="KillAsync"/> is a SIGKILL (no shutdown code runs).
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private readonly Uri? _baseAddress;

    private GatewayProcess(Process process, Uri? baseAddress)
    {
        _process = process;
        _baseAddress = baseAddress;
    }

    public const string FaultHost = "Gateway.TestHost.dll";

    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("this process was started as a worker, without waiting for it to listen");

    /// <summary>Completes when the process has exited (killed, crashed or stopped).</summary>
    public Task Exited => _process.WaitForExitAsync();

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts the process and waits until it listens. A worker (<paramref name="worker"/> true) is not waited for:
    /// its first task may crash it before it gets that far.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(IDictionary<string, string?> settings, string host = "SutazAi.Gateway.dll", bool worker = false)
    {
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(directory, host)}\" --urls http://127.0.0.1:0")
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
        if (!settings.ContainsKey("Auth:BootstrapAdminKey") && !settings.ContainsKey("Auth:Enabled"))
        {
            start.Environment["Auth__BootstrapAdminKey"] = TestAuth.AdminKey;
        }
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
        if (worker)
        {
            return new GatewayProcess(process, null);
        }

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
