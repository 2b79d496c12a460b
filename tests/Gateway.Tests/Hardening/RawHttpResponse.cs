namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>One HTTP/1.1 response read off a raw socket: status, headers (last value wins) and the de-chunked body.</summary>
internal sealed record RawHttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"{Status} [{string.Join("; ", Headers.Select(h => h.Key + ": " + h.Value))}] {Body}";
}
