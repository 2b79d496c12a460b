namespace SutazAi.Gateway.Protocol.OpenAI;

internal static class OpenAiWire
{
    public const string SystemFingerprint = "fp_sutazai";
}
