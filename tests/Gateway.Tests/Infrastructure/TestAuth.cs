using System.Net.Http.Headers;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway is closed by default: every test gateway (in process or child process) gets this bootstrap admin key,
/// and the clients the tests make send it unless a test asks for an anonymous one.
/// </summary>
public static class TestAuth
{
    public const string AdminKey = "test-bootstrap-admin-key-0123456789abcdef";

    public static HttpClient Authorize(HttpClient client, string key = AdminKey)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
