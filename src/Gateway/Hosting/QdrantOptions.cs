namespace SutazAi.Gateway.Hosting;

/// <summary><c>Qdrant:Url</c> (for example http://qdrant:6333) selects Qdrant as the vector store.</summary>
internal sealed class QdrantOptions
{
    public const string Section = "Qdrant";

    public Uri? Url { get; set; }

    /// <summary>Sent as Qdrant's <c>api-key</c> header when set.</summary>
    public string? ApiKey { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
