using System.Text.Json;
using SutazAi.Agents.Runtime;

namespace SutazAi.Gateway.Tests.Agents;

public sealed class JsonSchemaValidatorTests
{
    private const string Schema = """
        {"type":"object","properties":{
          "city":{"type":"string","minLength":2,"maxLength":20},
          "days":{"type":"integer","minimum":1,"maximum":7},
          "unit":{"type":"string","enum":["C","F"]},
          "tags":{"type":"array","items":{"type":"string"},"maxItems":2},
          "note":{"type":["string","null"]}},
         "required":["city"],"additionalProperties":false}
        """;

    private static IReadOnlyList<string> Check(string value) =>
        JsonSchemaValidator.Validate(JsonDocument.Parse(Schema).RootElement, JsonDocument.Parse(value).RootElement);

    [Fact]
    public void Valid_NoErrors() =>
        Assert.Empty(Check("""{"city":"Paris","days":3,"unit":"C","tags":["a"],"note":null}"""));

    [Theory]
    [InlineData("""{}""", "$.city: is required")]
    [InlineData("""{"city":"P"}""", "$.city: must have at least 2 characters")]
    [InlineData("""{"city":"Paris","days":2.5}""", "$.days: expected integer, got number")]
    [InlineData("""{"city":"Paris","days":9}""", "$.days: must be at most 7")]
    [InlineData("""{"city":"Paris","unit":"K"}""", "$.unit: must be one of [\"C\",\"F\"]")]
    [InlineData("""{"city":"Paris","tags":["a",1]}""", "$.tags[1]: expected string, got integer")]
    [InlineData("""{"city":"Paris","tags":["a","b","c"]}""", "$.tags: must have at most 2 items")]
    [InlineData("""{"city":"Paris","extra":1}""", "$.extra: is not an allowed property")]
    [InlineData("""{"city":"Paris","note":5}""", "$.note: expected string or null, got integer")]
    [InlineData("""[]""", "$: expected object, got array")]
    public void Invalid_NamesThePathAndTheRule(string value, string error) => Assert.Equal([error], Check(value));
}
