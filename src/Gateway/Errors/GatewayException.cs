namespace SutazAi.Gateway.Errors;

/// <summary>
/// A failure with a message that is safe to show to the client. Upstream exceptions are converted into
/// this type in one place (<see cref="SutazAi.Gateway.Upstreams.UpstreamErrorClassifier"/>); their own text never leaves the process.
/// </summary>
internal sealed class GatewayException : Exception
{
    public GatewayException(ErrorKind kind, string publicMessage, string? param = null, int? upstreamStatus = null, TimeSpan? retryAfter = null)
        : base(publicMessage)
    {
        Kind = kind;
        Param = param;
        UpstreamStatus = upstreamStatus;
        RetryAfter = retryAfter;
    }

    public ErrorKind Kind { get; }

    /// <summary>The request field at fault, for validation errors (OpenAI's <c>param</c>).</summary>
    public string? Param { get; }

    /// <summary>The status an upstream answered with, for <see cref="ErrorKind.UpstreamRejected"/>.</summary>
    public int? UpstreamStatus { get; }

    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether this failure says the upstream server is unhealthy (the circuit breaker counts it).</summary>
    public bool IsUpstreamFault => Kind is ErrorKind.UpstreamUnavailable or ErrorKind.UpstreamError or ErrorKind.UpstreamTimeout
        or ErrorKind.StreamIdleTimeout or ErrorKind.StreamBroken;

    /// <summary>Before the first byte reached the client, may another server be tried?</summary>
    public bool AllowsFailover => Kind is ErrorKind.UpstreamUnavailable or ErrorKind.UpstreamError or ErrorKind.UpstreamTimeout
        or ErrorKind.UpstreamRateLimited or ErrorKind.CircuitOpen;

    public int StatusCode => Kind switch
    {
        ErrorKind.InvalidJson or ErrorKind.InvalidRequest => 400,
        ErrorKind.NotFound or ErrorKind.ModelNotFound or ErrorKind.TaskNotFound or ErrorKind.AgentNotFound => 404,
        ErrorKind.Conflict => 409,
        ErrorKind.Forbidden => 403,
        ErrorKind.DependencyUnavailable or ErrorKind.CacheUnavailable or ErrorKind.VectorStoreUnavailable => 503,
        ErrorKind.PayloadTooLarge => 413,
        ErrorKind.RequestTimeout => 408,
        ErrorKind.UnsupportedMediaType => 415,
        ErrorKind.UpstreamRejected => UpstreamStatus ?? 400,
        ErrorKind.UpstreamRateLimited => 429,
        ErrorKind.CircuitOpen => 503,
        ErrorKind.UpstreamTimeout or ErrorKind.StreamIdleTimeout or ErrorKind.StreamMaxDuration or ErrorKind.AgentTimeout => 504,
        ErrorKind.Internal => 500,
        _ => 502,
    };

    /// <summary>The machine-readable code (OpenAI <c>code</c>, lower snake case).</summary>
    public string Code => Kind switch
    {
        ErrorKind.InvalidJson => "invalid_json",
        ErrorKind.InvalidRequest => "invalid_value",
        ErrorKind.NotFound => "not_found",
        ErrorKind.TaskNotFound => "task_not_found",
        ErrorKind.Conflict => "conflict",
        ErrorKind.Forbidden => "forbidden",
        ErrorKind.DependencyUnavailable or ErrorKind.CacheUnavailable => "dependency_unavailable",
        ErrorKind.VectorStoreUnavailable => "vector_store_unavailable",
        ErrorKind.ModelNotFound => "model_not_found",
        ErrorKind.PayloadTooLarge => "request_too_large",
        ErrorKind.RequestTimeout => "request_timeout",
        ErrorKind.UnsupportedMediaType => "unsupported_media_type",
        ErrorKind.UpstreamRejected => "upstream_rejected",
        ErrorKind.UpstreamRateLimited => "rate_limit_exceeded",
        ErrorKind.UpstreamUnavailable => "upstream_unavailable",
        ErrorKind.UpstreamTimeout => "upstream_timeout",
        ErrorKind.CircuitOpen => "upstream_circuit_open",
        ErrorKind.StreamIdleTimeout => "stream_idle_timeout",
        ErrorKind.StreamMaxDuration => "stream_max_duration",
        ErrorKind.StreamBroken => "upstream_stream_broken",
        ErrorKind.AgentNotFound => "agent_not_found",
        ErrorKind.AgentFailed => "agent_failed",
        ErrorKind.AgentTimeout => "agent_timeout",
        ErrorKind.Internal => "internal_error",
        _ => "upstream_error",
    };

    /// <summary>The SutazAI envelope's error code (seed spec §8.2).</summary>
    public string SutazCode => Kind switch
    {
        ErrorKind.InvalidJson or ErrorKind.InvalidRequest or ErrorKind.PayloadTooLarge or ErrorKind.UnsupportedMediaType
            or ErrorKind.RequestTimeout => "VALIDATION_ERROR",
        ErrorKind.ModelNotFound => "MODEL_NOT_FOUND",
        ErrorKind.NotFound => "NOT_FOUND",
        ErrorKind.TaskNotFound => "TASK_NOT_FOUND",
        ErrorKind.AgentNotFound => "AGENT_NOT_FOUND",
        ErrorKind.AgentFailed or ErrorKind.AgentTimeout => "AGENT_ERROR",
        ErrorKind.Conflict => "CONFLICT",
        ErrorKind.Forbidden => "FORBIDDEN",
        ErrorKind.DependencyUnavailable => "DATABASE_ERROR",
        ErrorKind.CacheUnavailable => "CACHE_ERROR",
        ErrorKind.VectorStoreUnavailable => "VECTOR_STORE_ERROR",
        ErrorKind.CircuitOpen => "CIRCUIT_OPEN",
        ErrorKind.UpstreamRateLimited => "RATE_LIMITED",
        ErrorKind.Internal => "INTERNAL_ERROR",
        _ => "OLLAMA_ERROR",
    };

    /// <summary>OpenAI's error <c>type</c> for this status.</summary>
    public string OpenAiType => StatusCode switch
    {
        429 => "rate_limit_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    public static GatewayException Invalid(string message, string? param = null) => new(ErrorKind.InvalidRequest, message, param);

    public static GatewayException ModelNotFound(string model) => new(ErrorKind.ModelNotFound, $"model '{model}' not found", "model");
}
