using System.Text.Json;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;
using SutazAi.Plugins.Tools;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

public sealed class BuiltInToolsTests
{
    [Theory]
    [InlineData("2+3*4", 14)]
    [InlineData("(2 + 3) * 4", 20)]
    [InlineData("2^3^2", 512)]
    [InlineData("-2^2", -4)]
    [InlineData("2^-1", 0.5)]
    [InlineData("10 % 4 - -1", 3)]
    [InlineData("1e3 / 4", 250)]
    [InlineData("sqrt(16) + abs(-3)", 7)]
    [InlineData("max(1, 5, 3) * min(2, 4)", 10)]
    [InlineData("round(2.345, 2)", 2.35)]
    [InlineData("log(1000) + ln(e) + log(8, 2)", 7)]
    [InlineData("floor(pi) + ceil(0.1)", 4)]
    public void Calculator_Evaluates(string expression, double expected) => Assert.Equal(expected, Calculator.Evaluate(expression), 9);

    [Theory]
    [InlineData("1/0", "division by zero")]
    [InlineData("2 +", "expected a number, a name or '(' at position 4 (end of expression)")]
    [InlineData("(1 + 2", "expected ')' at position 7 (end of expression)")]
    [InlineData("2 3", "unexpected input at position 3 ('3')")]
    [InlineData("sqrt(1, 2)", "sqrt takes 1 argument(s)")]
    [InlineData("sqrt(-1)", "the result is not a finite number (division by zero or out of range)")]
    [InlineData("10^400", "the result is not a finite number (division by zero or out of range)")]
    public void Calculator_ErrorsSayWhatAndWhere(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<ToolException>(() => Calculator.Evaluate(expression)).Message);

    [Theory]
    [InlineData("System.IO.File.Delete(\"/etc/passwd\")")]
    [InlineData("__import__('os').system('id')")]
    [InlineData("x = 1")]
    public void Calculator_AnythingButArithmetic_IsRejectedNotRun(string expression) =>
        Assert.Throws<ToolException>(() => Calculator.Evaluate(expression));

    [Fact]
    public void Calculator_BoundedInLengthAndNesting()
    {
        Assert.Contains("longer than 1000", Assert.Throws<ToolException>(() => Calculator.Evaluate(new string('1', 1001))).Message, StringComparison.Ordinal);
        Assert.Contains("too deeply nested", Assert.Throws<ToolException>(() => Calculator.Evaluate(new string('(', 200) + "1" + new string(')', 200))).Message,
            StringComparison.Ordinal);
        Assert.Contains("too deeply nested", Assert.Throws<ToolException>(() => Calculator.Evaluate(string.Concat(Enumerable.Repeat("-", 200)) + "1")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task CalculatorTool_HasASchemaAndAnswersThroughTheFunctionInterface()
    {
        var tool = BuiltInTools.Calculator();

        var result = (JsonElement)(await tool.InvokeAsync(new AIFunctionArguments { ["expression"] = "6*7" }))!;

        Assert.Equal("calculator", tool.Name);
        Assert.False(string.IsNullOrEmpty(tool.Description));
        Assert.Equal("expression", tool.JsonSchema.GetProperty("required")[0].GetString());
        Assert.Equal(42, result.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task DateTimeTool_ReportsUtcAndTheRequestedZone()
    {
        var time = new ManualTimeProvider(); // 2026-11-22T00:00Z
        time.Advance(new TimeSpan(23, 30, 0));
        var tool = BuiltInTools.DateTime(time);

        var paris = (JsonElement)(await tool.InvokeAsync(new AIFunctionArguments { ["timezone"] = "Europe/Paris" }))!;
        var utc = (JsonElement)(await tool.InvokeAsync(new AIFunctionArguments()))!;

        Assert.Equal("2026-11-22T23:30:00Z", paris.GetProperty("utc").GetString());
        Assert.Equal("2026-11-23T00:30:00+01:00", paris.GetProperty("local").GetString());
        Assert.Equal("Monday", paris.GetProperty("dayOfWeek").GetString());
        Assert.Equal(48, paris.GetProperty("isoWeek").GetInt32());
        Assert.Equal("UTC", utc.GetProperty("timezone").GetString());
        var unknown = await Assert.ThrowsAsync<ToolException>(async () => await tool.InvokeAsync(new AIFunctionArguments { ["timezone"] = "Mars/Olympus" }));
        Assert.Contains("unknown time zone", unknown.Message, StringComparison.Ordinal);
    }
}
