using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>Each Ollama:Servers entry must be an absolute http(s) URL with no query or credentials.</summary>
internal sealed class OllamaServersValidator : IValidateOptions<OllamaOptions>
{
    public ValidateOptionsResult Validate(string? name, OllamaOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Servers.Length; i++)
        {
            if (!Uri.TryCreate(options.Servers[i], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                failures.Add($"Ollama:Servers:{i} must be an absolute http or https URL such as http://localhost:11434 (got '{options.Servers[i]}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
