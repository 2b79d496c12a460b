using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SutazAi.Gateway.Storage.Auth;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Auth;

/// <summary>
/// Closed by default (RELIABILITY.md AU-01 to AU-03, AU-08): every route but the health probes refuses a request
/// without a valid API key or token with one uniform 401, before anything reaches an upstream; admin routes refuse
/// user keys with 403; tokens are HS256 only, with issuer, audience and a lifetime checked with 30 s of skew.
/// </summary>
public sealed class AuthenticationTests
{
    private const string Secret = "test-jwt-secret-of-at-least-thirty-two-bytes!";
    private static readonly string[] Anonymous = ["/health", "/health/live", "/health/ready"];

    private static GatewayFactory Start(FakeOllama fake) => new([fake.BaseUri], new Dictionary<string, string?> { ["Auth:Jwt:Secret"] = Secret });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Every endpoint the gateway maps, read from its route table, as (method, concrete path).</summary>
    private static List<(string Method, string Path)> Routes(GatewayFactory gateway) =>
        [.. gateway.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, Concrete(e.RoutePattern))))
            .Distinct()];

    private static string Concrete(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => parameter.Name == "id" || parameter.Name == "executionId" ? "00000000000000000000000000000000" : "x",
            _ => "",
        }))));

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string route, string code)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route}: {(int)response.StatusCode}");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        if (response.RequestMessage?.Method == HttpMethod.Head)
        {
            return;
        }

        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task EveryRoute_ButTheHealthProbes_Refuses_MissingOrBadCredentials_WithOneUniform401()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Start(fake);
        var anonymous = gateway.AnonymousClient();
        var routes = Routes(gateway);
        Assert.True(routes.Count > 60, $"only {routes.Count} routes found");

        foreach (var (method, path) in routes.Where(r => !Anonymous.Contains(r.Path)))
        {
            foreach (var (header, code) in new (string?, string)[] { (null, "missing_credentials"), ("Bearer ", "missing_credentials"), ("Basic dXNlcjpwYXNz", "missing_credentials"), ("Bearer not-a-key", "invalid_token"), ("Bearer sk-sutazai-0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid_token") })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "POST" or "PUT" or "PATCH" ? Json("{}") : null };
                if (header is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", header);
                }

                await AssertUnauthorizedAsync(await anonymous.SendAsync(request), $"{method} {path} with '{header}'", code);
            }
        }

        foreach (var path in Anonymous)
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }

        Assert.DoesNotContain(fake.Requests, r => r.Path is "/api/chat" or "/api/generate" or "/api/embed" or "/api/pull" or "/api/delete");
    }

    [Fact]
    public async Task AWebSocket_WithoutCredentials_IsRefusedBeforeTheUpgrade()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Start(fake);

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var refused = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            socket.ConnectAsync(new Uri($"ws://{gateway.BaseAddress.Authority}/ws/tasks"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task Keys_AreCreatedShownOnce_Listed_WorkForTheirRole_AndStopWorkingWhenRevoked()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Start(fake);
        var admin = gateway.Client();

        var created = await admin.PostAsync("/api/v1/auth/keys", Json("""{"name":"alice","role":"user","rpm":60,"models":["llama3"]}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var secret = key.GetProperty("key").GetString()!;
        var id = key.GetProperty("id").GetString()!;
        Assert.StartsWith($"sk-sutazai-{id}-", secret, StringComparison.Ordinal);
        var listed = await admin.GetStringAsync("/api/v1/auth/keys");
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[(secret.LastIndexOf('-') + 1)..], listed, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", listed, StringComparison.OrdinalIgnoreCase);
        var stored = await gateway.Service<ApiKeyStore>().FindAsync(id, default);
        Assert.Equal(32, stored!.SecretHash.Length);

        var alice = TestAuth.Authorize(gateway.AnonymousClient(), secret);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.AnonymousClient().SendAsync(WithApiKeyHeader(secret))).StatusCode);
        var forbidden = await alice.PostAsync("/api/v1/auth/keys", Json("""{"name":"mallory","role":"admin"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("forbidden", JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        foreach (var (method, path) in new[] { ("POST", "/api/pull"), ("DELETE", "/api/delete"), ("POST", "/api/copy"), ("POST", "/api/create"), ("POST", "/api/push"),
            ("POST", "/api/v1/models/pull"), ("DELETE", "/api/v1/models/llama3"), ("POST", "/api/v1/cache/clear"), ("GET", "/api/v1/auth/keys"), ("DELETE", $"/api/v1/auth/keys/{id}") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("""{"model":"llama3","name":"llama3","source":"llama3","destination":"x"}""") };
            Assert.True((await alice.SendAsync(request)).StatusCode == HttpStatusCode.Forbidden, $"{method} {path}");
        }

        var pullTask = await alice.PostAsync("/api/v1/tasks", Json("""{"task_type":"model_pull","payload":{"model":"llama3"}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, pullTask.StatusCode);
        Assert.DoesNotContain(fake.Requests, r => r.Path is "/api/pull" or "/api/delete" or "/api/copy" or "/api/create" or "/api/push");

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/auth/keys/{id}")).StatusCode);
        await AssertUnauthorizedAsync(await alice.GetAsync("/v1/models"), "revoked key", "invalid_token");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/auth/keys/{id}")).StatusCode);

        static HttpRequestMessage WithApiKeyHeader(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            request.Headers.Add("X-API-Key", key);
            return request;
        }
    }

    [Fact]
    public async Task Tokens_AreIssuedForAKey_WorkWhileItIsActive_AndAreRejectedWhenExpiredEarlyForgedOrUnsigned()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Start(fake);
        var admin = gateway.Client();
        var created = JsonDocument.Parse(await (await admin.PostAsync("/api/v1/auth/keys", Json("""{"name":"bob"}"""))).Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;

        var issued = await TestAuth.Authorize(gateway.AnonymousClient(), key).PostAsync("/api/v1/auth/token", null);
        var token = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var jwt = token.GetProperty("access_token").GetString()!;
        Assert.Equal(900, token.GetProperty("expires_in").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.Authorize(gateway.AnonymousClient(), jwt).GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await TestAuth.Authorize(gateway.AnonymousClient(), jwt).PostAsync("/api/v1/auth/token", null)).StatusCode);

        var now = DateTime.UtcNow;
        string Mint(DateTime? expires, DateTime? notBefore, string secret = Secret, string audience = "sutazai-gateway") => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "sutazai-gateway",
            Audience = audience,
            Expires = expires,
            NotBefore = notBefore,
            Subject = new ClaimsIdentity([new Claim("kid_key", id)]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
        static string B64(string json) => Base64UrlEncoder.Encode(json);
        var claims = B64($$"""{"iss":"sutazai-gateway","aud":"sutazai-gateway","kid_key":"{{id}}","exp":{{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}}}""");

        Assert.Equal(HttpStatusCode.OK, (await TestAuth.Authorize(gateway.AnonymousClient(), Mint(now.AddMinutes(5), now)).GetAsync("/v1/models")).StatusCode);
        var rejected = new Dictionary<string, string>
        {
            ["expired 60 s ago"] = Mint(now.AddSeconds(-60), now.AddMinutes(-10)),
            ["no exp"] = Mint(null, now),
            ["nbf 10 min ahead"] = Mint(now.AddMinutes(20), now.AddMinutes(10)),
            ["another secret"] = Mint(now.AddMinutes(5), now, "another-secret-of-at-least-thirty-two-bytes!!"),
            ["another audience"] = Mint(now.AddMinutes(5), now, audience: "someone-else"),
            ["alg none, empty signature"] = $"{B64("""{"alg":"none","typ":"JWT"}""")}.{claims}.",
            ["alg None, dummy signature"] = $"{B64("""{"alg":"None","typ":"JWT"}""")}.{claims}.c2lnbmF0dXJl",
            ["alg NONE"] = $"{B64("""{"alg":"NONE"}""")}.{claims}.",
        };
        foreach (var (name, bad) in rejected)
        {
            await AssertUnauthorizedAsync(await TestAuth.Authorize(gateway.AnonymousClient(), bad).GetAsync("/v1/models"), name, "invalid_token");
        }

        await admin.DeleteAsync($"/api/v1/auth/keys/{id}");
        await AssertUnauthorizedAsync(await TestAuth.Authorize(gateway.AnonymousClient(), jwt).GetAsync("/v1/models"), "token of a revoked key", "invalid_token");
    }

    [Fact]
    public async Task FirstStart_WithoutAnyKey_CreatesOneAdminKey_StoredOnlyAsAHash()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Auth:BootstrapAdminKey"] = null });

        await AssertUnauthorizedAsync(await gateway.AnonymousClient().GetAsync("/v1/models"), "no key", "missing_credentials");
        var store = gateway.Service<ApiKeyStore>();
        var keys = await WaitForAsync(() => store.ListAsync(default), list => list.Count > 0);

        var first = Assert.Single(keys);
        Assert.Equal("0000000000000001", first.Id);
        Assert.Equal("admin", first.Role);
        Assert.Equal(32, first.SecretHash.Length);
        await AssertUnauthorizedAsync(await gateway.Client().GetAsync("/v1/models"), "no bootstrap key configured", "invalid_token");
    }

    [Fact]
    public async Task DisablingAuthentication_IsRefused_UnlessTheGatewayListensOnLoopbackOnly()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using (var local = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Auth:Enabled"] = "false" }))
        {
            Assert.Equal(HttpStatusCode.OK, (await local.AnonymousClient().GetAsync("/v1/models")).StatusCode);
        }

        await using var exposed = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Auth:Enabled"] = "false", ["urls"] = "http://0.0.0.0:0" });
        var failure = Assert.ThrowsAny<Exception>(() => exposed.BaseAddress);
        Assert.Contains("Auth:Enabled=false is allowed only when the gateway listens on loopback addresses", failure.ToString(), StringComparison.Ordinal);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(50, deadline.Token);
        }
    }
}
