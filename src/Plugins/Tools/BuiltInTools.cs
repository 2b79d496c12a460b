using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

namespace SutazAi.Plugins.Tools;

/// <summary>The plugins that need nothing but the process: each an <see cref="AIFunction"/> with a description and a JSON schema.</summary>
public static class BuiltInTools
{
    public static AIFunction Calculator() => AIFunctionFactory.Create(
        ([Description("An arithmetic expression, e.g. \"(2 + 3) * sqrt(16) / 4\". Operators + - * / % ^; functions sqrt, abs, floor, ceil, round, exp, ln, log, sin, cos, tan, asin, acos, atan, pow, min, max; constants pi, e.")]
        string expression) => new CalculatorResult(expression, Tools.Calculator.Evaluate(expression)),
        "calculator",
        "Evaluates an arithmetic expression exactly as written and returns its value. Use it for any calculation instead of doing arithmetic yourself.");

    public static AIFunction DateTime(TimeProvider time) => AIFunctionFactory.Create(
        ([Description("An IANA time zone such as \"Europe/Paris\" or \"America/New_York\"; UTC when omitted.")] string? timezone = null) =>
        {
            var now = time.GetUtcNow();
            TimeZoneInfo zone;
            try
            {
                zone = string.IsNullOrWhiteSpace(timezone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timezone);
            }
            catch (TimeZoneNotFoundException)
            {
                throw new ToolException($"unknown time zone '{timezone}'; use an IANA name such as Europe/Paris");
            }
            catch (InvalidTimeZoneException)
            {
                throw new ToolException($"the time zone '{timezone}' could not be read");
            }

            var local = TimeZoneInfo.ConvertTime(now, zone);
            return new DateTimeResult(
                now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                zone.Id,
                local.DayOfWeek.ToString(),
                ISOWeek.GetWeekOfYear(local.DateTime),
                now.ToUnixTimeSeconds());
        },
        "datetime",
        "Returns the current date and time, in UTC and in the given time zone, with the weekday and ISO week.");

    public sealed record CalculatorResult(string Expression, double Value);

    public sealed record DateTimeResult(string Utc, string Local, string Timezone, string DayOfWeek, int IsoWeek, long Unix);
}
