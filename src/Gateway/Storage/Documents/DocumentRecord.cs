namespace SutazAi.Gateway.Storage.Documents;

/// <summary>One stored document: its extracted text and how it was indexed.</summary>
internal sealed record DocumentRecord(string Id, string Owner, string Title, string ContentType, string Content, int Characters, int Chunks,
    string EmbeddingModel, string Status, string? Metadata, DateTimeOffset CreatedAt);
