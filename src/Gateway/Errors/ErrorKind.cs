namespace SutazAi.Gateway.Errors;

/// <summary>Every failure the gateway reports, whatever the surface. Each surface renders it in its own shape.</summary>
internal enum ErrorKind
{
    InvalidJson,
    InvalidRequest,
    NotFound,
    TaskNotFound,
    Conflict,
    Forbidden,
    DependencyUnavailable,
    CacheUnavailable,
    VectorStoreUnavailable,
    ModelNotFound,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
    UpstreamRejected,
    UpstreamRateLimited,
    UpstreamUnavailable,
    UpstreamError,
    UpstreamTimeout,
    CircuitOpen,
    StreamIdleTimeout,
    StreamMaxDuration,
    StreamBroken,
    AgentNotFound,
    AgentFailed,
    AgentTimeout,
    Internal,
}
