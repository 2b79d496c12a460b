using System.Globalization;
using SutazAi.Agents.Runtime;

namespace SutazAi.Plugins.Tools;

/// <summary>
/// Evaluates arithmetic safely: a small recursive-descent parser over numbers, + - * / % ^, parentheses, the
/// constants pi and e, and a fixed list of math functions. Nothing is compiled or executed; anything else is an
/// error naming the position. Length and nesting are bounded.
/// </summary>
public static class Calculator
{
    public const int MaxLength = 1000;
    private const int MaxDepth = 64;

    private static readonly Dictionary<string, (int MinArgs, int MaxArgs, Func<double[], double> Apply)> Functions = new(StringComparer.Ordinal)
    {
        ["sqrt"] = (1, 1, a => Math.Sqrt(a[0])),
        ["abs"] = (1, 1, a => Math.Abs(a[0])),
        ["floor"] = (1, 1, a => Math.Floor(a[0])),
        ["ceil"] = (1, 1, a => Math.Ceiling(a[0])),
        ["round"] = (1, 2, a => Math.Round(a[0], a.Length > 1 ? (int)Math.Clamp(a[1], 0, 15) : 0, MidpointRounding.AwayFromZero)),
        ["exp"] = (1, 1, a => Math.Exp(a[0])),
        ["ln"] = (1, 1, a => Math.Log(a[0])),
        ["log"] = (1, 2, a => a.Length > 1 ? Math.Log(a[0], a[1]) : Math.Log10(a[0])),
        ["sin"] = (1, 1, a => Math.Sin(a[0])),
        ["cos"] = (1, 1, a => Math.Cos(a[0])),
        ["tan"] = (1, 1, a => Math.Tan(a[0])),
        ["asin"] = (1, 1, a => Math.Asin(a[0])),
        ["acos"] = (1, 1, a => Math.Acos(a[0])),
        ["atan"] = (1, 1, a => Math.Atan(a[0])),
        ["pow"] = (2, 2, a => Math.Pow(a[0], a[1])),
        ["min"] = (1, 32, a => a.Min()),
        ["max"] = (1, 32, a => a.Max()),
    };

    /// <summary>The value of the expression; a <see cref="ToolException"/> says what is wrong and where.</summary>
    public static double Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxLength)
        {
            throw new ToolException($"the expression is longer than {MaxLength} characters");
        }

        var parser = new Parser(expression);
        var value = parser.Expression(0);
        parser.SkipSpaces();
        if (!parser.AtEnd)
        {
            throw parser.Error("unexpected input");
        }

        return double.IsFinite(value) ? value : throw new ToolException("the result is not a finite number (division by zero or out of range)");
    }

    private sealed class Parser(string text)
    {
        private int _position;

        public bool AtEnd => _position >= text.Length;

        public ToolException Error(string what) =>
            new($"{what} at position {(_position + 1).ToString(CultureInfo.InvariantCulture)}" + (AtEnd ? " (end of expression)" : $" ('{text[_position]}')"));

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        // expression := term (('+' | '-') term)*
        public double Expression(int depth)
        {
            var value = Term(depth);
            while (true)
            {
                SkipSpaces();
                if (Take('+'))
                {
                    value += Term(depth);
                }
                else if (Take('-'))
                {
                    value -= Term(depth);
                }
                else
                {
                    return value;
                }
            }
        }

        // term := unary (('*' | '/' | '%') unary)*
        private double Term(int depth)
        {
            var value = Unary(depth);
            while (true)
            {
                SkipSpaces();
                if (Take('*'))
                {
                    value *= Unary(depth);
                }
                else if (Take('/'))
                {
                    var divisor = Unary(depth);
                    value = divisor == 0 ? throw new ToolException("division by zero") : value / divisor;
                }
                else if (Take('%'))
                {
                    var divisor = Unary(depth);
                    value = divisor == 0 ? throw new ToolException("division by zero") : value % divisor;
                }
                else
                {
                    return value;
                }
            }
        }

        // unary := ('+' | '-') unary | power   (so -2^2 = -(2^2), as in mathematics)
        private double Unary(int depth)
        {
            SkipSpaces();
            if (depth > MaxDepth)
            {
                throw Error("too deeply nested");
            }

            if (Take('-'))
            {
                return -Unary(depth + 1);
            }

            return Take('+') ? Unary(depth + 1) : Power(depth);
        }

        // power := primary ('^' unary)?   (right-associative: 2^3^2 = 2^9; 2^-1 = 0.5)
        private double Power(int depth)
        {
            var value = Primary(depth);
            SkipSpaces();
            return Take('^') ? Math.Pow(value, Unary(depth + 1)) : value;
        }

        // primary := number | constant | function '(' args ')' | '(' expression ')'
        private double Primary(int depth)
        {
            SkipSpaces();
            if (Take('('))
            {
                var value = Expression(depth + 1);
                SkipSpaces();
                return Take(')') ? value : throw Error("expected ')'");
            }

            if (!AtEnd && (char.IsAsciiDigit(text[_position]) || text[_position] == '.'))
            {
                return Number();
            }

            if (!AtEnd && char.IsAsciiLetter(text[_position]))
            {
                var start = _position;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
                {
                    _position++;
                }

                var name = text[start.._position].ToLowerInvariant();
                switch (name)
                {
                    case "pi":
                        return Math.PI;
                    case "e":
                        return Math.E;
                }

                if (!Functions.TryGetValue(name, out var function))
                {
                    _position = start;
                    throw Error($"unknown name '{text[start..(start + name.Length)]}' (functions: {string.Join(", ", Functions.Keys)}; constants: pi, e)");
                }

                SkipSpaces();
                if (!Take('('))
                {
                    throw Error($"expected '(' after {name}");
                }

                var arguments = new List<double> { Expression(depth + 1) };
                SkipSpaces();
                while (Take(','))
                {
                    arguments.Add(Expression(depth + 1));
                    SkipSpaces();
                }

                if (!Take(')'))
                {
                    throw Error("expected ')'");
                }

                return arguments.Count < function.MinArgs || arguments.Count > function.MaxArgs
                    ? throw new ToolException($"{name} takes {(function.MinArgs == function.MaxArgs ? function.MinArgs.ToString(CultureInfo.InvariantCulture) : $"{function.MinArgs} to {function.MaxArgs}")} argument(s)")
                    : function.Apply([.. arguments]);
            }

            throw Error("expected a number, a name or '('");
        }

        private double Number()
        {
            var start = _position;
            while (!AtEnd && (char.IsAsciiDigit(text[_position]) || text[_position] == '.'))
            {
                _position++;
            }

            if (!AtEnd && text[_position] is 'e' or 'E' && _position + 1 < text.Length
                && (char.IsAsciiDigit(text[_position + 1]) || (text[_position + 1] is '+' or '-' && _position + 2 < text.Length && char.IsAsciiDigit(text[_position + 2]))))
            {
                _position += 2;
                while (!AtEnd && char.IsAsciiDigit(text[_position]))
                {
                    _position++;
                }
            }

            if (!double.TryParse(text.AsSpan(start, _position - start), NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value))
            {
                _position = start;
                throw Error("malformed number");
            }

            return value;
        }

        private bool Take(char c)
        {
            if (!AtEnd && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }
    }
}
