using System.Text.Json;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.TestKitChecks;

public sealed class OpenApiValidatorTests
{
    private static readonly string Spec = FakeQdrant.SpecPath;

    [Fact]
    public void Every_example_in_the_spec_validates_against_its_own_schema()
    {
        var validator = OpenApiValidator.Load(Spec);
        using var document = JsonDocument.Parse(File.ReadAllText(Spec));
        var failures = new List<string>();
        var checkedCount = 0;
        void Walk(JsonElement node, string where)
        {
            if (node.ValueKind == JsonValueKind.Object)
            {
                if (node.TryGetProperty("example", out var example) && (node.TryGetProperty("type", out _) || node.TryGetProperty("$ref", out _) || node.TryGetProperty("anyOf", out _)))
                {
                    checkedCount++;
                    if (validator.ValidateValue(example, node, strictProperties: true) is { } error)
                    {
                        failures.Add($"{where}: {error}");
                    }
                }

                foreach (var p in node.EnumerateObject())
                {
                    Walk(p.Value, where + "/" + p.Name);
                }
            }
            else if (node.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in node.EnumerateArray())
                {
                    Walk(item, $"{where}/{i++}");
                }
            }
        }

        Walk(document.RootElement.GetProperty("components"), "#/components");
        Assert.True(checkedCount > 10, $"only {checkedCount} examples");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("Filter", """{"must":[{"key":"a.b","match":{"value":"x"}},{"has_id":[1,"550e8400-e29b-41d4-a716-446655440000"]},{"nested":{"key":"arr","filter":{"must":{"key":"c","range":{"gt":1}}}}}],"should":null}""", null)]
    [InlineData("Filter", """{"must":[{"key":"a","match":{"any":["x",1]}}]}""", "$.must[0].match")]
    [InlineData("ExtendedPointId", "18446744073709551616", "matches none of [integer uint64, string uuid]")]
    [InlineData("VectorParams", """{"size":4,"distance":"Dot","extra":1}""", null)]
    [InlineData("Payload", """{"anything":{"goes":[1,"x",null]}}""", null)]
    public void Component_schemas(string component, string json, string? expected)
    {
        var validator = OpenApiValidator.Load(Spec);
        using var value = JsonDocument.Parse(json);
        using var schema = JsonDocument.Parse($$"""{"$ref":"#/components/schemas/{{component}}"}""");
        var error = validator.ValidateValue(value.RootElement, schema.RootElement, strictProperties: false);
        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }
}
