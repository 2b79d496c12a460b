using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// Validation and normalisation of model names. A name is <c>[host/][namespace/]name[:tag]</c>; it goes into
/// JSON bodies only, but path-like or registry-host-with-port names are refused before any upstream call.
/// </summary>
internal static class ModelName
{
    public const int MaxLength = 256;

    /// <summary>Returns the name unchanged, or throws a 400 naming <paramref name="param"/>.</summary>
    public static string Validate(string? name, string param = "model")
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw GatewayException.Invalid($"{param} is required", param);
        }

        if (name.Length > MaxLength)
        {
            throw GatewayException.Invalid($"{param} is longer than {MaxLength} characters", param);
        }

        var colon = name.LastIndexOf(':');
        var slash = name.LastIndexOf('/');
        if (name.IndexOf(':', StringComparison.Ordinal) != colon || (colon >= 0 && colon < slash) || colon == name.Length - 1)
        {
            throw GatewayException.Invalid($"{param} is not a valid model name", param);
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '/'))
            {
                throw GatewayException.Invalid($"{param} is not a valid model name", param);
            }
        }

        foreach (var segment in name.AsSpan(0, colon < 0 ? name.Length : colon).ToString().Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw GatewayException.Invalid($"{param} is not a valid model name", param);
            }
        }

        return name;
    }

    public static bool IsValid(string name)
    {
        try
        {
            Validate(name);
            return true;
        }
        catch (GatewayException)
        {
            return false;
        }
    }

    /// <summary>The catalog key: Ollama treats a missing tag as <c>latest</c>.</summary>
    public static string Normalize(string name) => name.Contains(':', StringComparison.Ordinal) ? name : name + ":latest";
}
