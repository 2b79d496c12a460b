using System.Net;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>IN-01: malformed JSON on every JSON route is a 400 in the surface's shape and never reaches Ollama.</summary>
public sealed class MalformedJsonTests
{
    public static TheoryData<string, string> Cases()
    {
        var bodies = new[]
        {
            """{"model":"m","messages":[""",
            """{"model":"llama3:latest","messages":[]} garbage""",
            """{'model':'llama3:latest'}""",
            "",
            "null",
            """[{"model":"llama3:latest"}]""",
            """{"model":"llama3:latest",}""",
        };
        var data = new TheoryData<string, string>();
        foreach (var route in RouteBodies.Routes)
        {
            foreach (var body in bodies)
            {
                data.Add(route, body);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_MalformedJson_Returns400InSurfaceShapeWithoutUpstreamCall(string route, string body)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(body));

        await ErrorBodies.AssertRejectedAsync(response, route, HttpStatusCode.BadRequest, "invalid_json");
        ErrorBodies.AssertNoGeneration(fake);
    }
}
