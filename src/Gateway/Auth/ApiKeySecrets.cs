using System.Security.Cryptography;
using System.Text;

namespace SutazAi.Gateway.Auth;

/// <summary>
/// Key format <c>sk-sutazai-&lt;id&gt;-&lt;secret&gt;</c>: the id (16 hex) finds the row, the secret (43 base64url
/// characters, 256 bits) is checked against its stored SHA-256 in constant time. A fast hash is right here: the
/// secret is random, not a password, so there is nothing to brute-force.
/// </summary>
internal static class ApiKeySecrets
{
    public const string Prefix = "sk-sutazai-";

    public static (string Id, string Key, byte[] Hash) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (id, $"{Prefix}{id}-{secret}", Hash(secret));
    }

    /// <summary>The id and secret of a key in the gateway's format; false for anything else.</summary>
    public static bool TryParse(string key, out string id, out string secret)
    {
        id = secret = "";
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length != Prefix.Length + 16 + 1 + 43 || key[Prefix.Length + 16] != '-')
        {
            return false;
        }

        id = key.Substring(Prefix.Length, 16);
        secret = key[(Prefix.Length + 17)..];
        return id.All(char.IsAsciiHexDigitLower);
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(byte[] storedHash, string secret) => CryptographicOperations.FixedTimeEquals(storedHash, Hash(secret));
}
