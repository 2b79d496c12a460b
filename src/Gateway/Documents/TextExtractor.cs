using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace SutazAi.Gateway.Documents;

/// <summary>
/// The plain text of an uploaded document: text as is, Markdown without its markup (link and image targets, emphasis,
/// fences), HTML without scripts, styles, comments and tags, with block elements as line breaks and entities decoded.
/// </summary>
internal static partial class TextExtractor
{
    public static readonly string[] ContentTypes = ["text/plain", "text/markdown", "text/html"];

    /// <summary>The content type the gateway handles this as, from a media type or a file name; null when unsupported.</summary>
    public static string? Normalize(string? contentType, string? fileName)
    {
        var media = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        var extension = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        return media switch
        {
            "text/plain" when extension is ".md" or ".markdown" => "text/markdown",
            "text/plain" when extension is ".html" or ".htm" => "text/html",
            "text/plain" or "text/markdown" or "text/x-markdown" => media == "text/plain" ? "text/plain" : "text/markdown",
            "text/html" or "application/xhtml+xml" => "text/html",
            null or "" or "application/octet-stream" => extension switch
            {
                ".md" or ".markdown" => "text/markdown",
                ".html" or ".htm" => "text/html",
                ".txt" or ".text" or "" => "text/plain",
                _ => null,
            },
            _ => null,
        };
    }

    /// <summary>Every pattern gives up after this long: crafted markup (thousands of unclosed tags) must not hold a request.</summary>
    private const int TimeoutMs = 5000;

    public static string Extract(string content, string contentType)
    {
        try
        {
            return Tidy(contentType switch
            {
                "text/html" => Html(content),
                "text/markdown" => Markdown(content),
                _ => content,
            });
        }
        catch (RegexMatchTimeoutException)
        {
            throw Errors.GatewayException.Invalid("the document's markup could not be read in time; send it as text/plain", "content");
        }
    }

    private static string Html(string html)
    {
        var text = HiddenHtml().Replace(html, " ");
        text = BlockTag().Replace(text, "\n");
        text = AnyTag().Replace(text, "");
        return WebUtility.HtmlDecode(text);
    }

    private static string Markdown(string markdown)
    {
        var text = Fence().Replace(markdown, "");
        text = Image().Replace(text, "$1");
        text = Link().Replace(text, "$1");
        text = Heading().Replace(text, "");
        text = Emphasis().Replace(text, "$2");
        text = InlineCode().Replace(text, "$1");
        return text;
    }

    /// <summary>Unix line breaks, no trailing spaces, at most one blank line in a row.</summary>
    private static string Tidy(string text)
    {
        var builder = new StringBuilder(text.Length);
        var blank = 0;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n'))
        {
            var line = SpaceRun().Replace(raw, " ").Trim();
            if (line.Length == 0)
            {
                blank++;
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append(blank > 0 ? "\n\n" : "\n");
            }

            builder.Append(line);
            blank = 0;
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"<(script|style|head|noscript|template)\b[^>]*>.*?</\1\s*>|<!--.*?-->", RegexOptions.IgnoreCase | RegexOptions.Singleline, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex HiddenHtml();

    [GeneratedRegex(@"<\s*(br|/?p|/?div|/?li|/?ul|/?ol|/?tr|/?h[1-6]|/?section|/?article|/?blockquote|/?pre|/?table|/?title)\b[^>]*>", RegexOptions.IgnoreCase, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.None, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"^\s*(```|~~~).*$", RegexOptions.Multiline, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex Fence();

    [GeneratedRegex(@"!\[([^\]]*)\]\([^)]*\)", RegexOptions.None, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex Image();

    [GeneratedRegex(@"\[([^\]]+)\]\([^)]*\)", RegexOptions.None, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex Link();

    [GeneratedRegex(@"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(?=\S))", RegexOptions.Multiline, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex Heading();

    [GeneratedRegex(@"(\*\*|__|\*|_)(\S(?:.*?\S)?)\1", RegexOptions.None, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex Emphasis();

    [GeneratedRegex(@"`([^`]*)`", RegexOptions.None, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"[ \t\f\v\u00a0]+", RegexOptions.None, matchTimeoutMilliseconds: TimeoutMs)]
    private static partial Regex SpaceRun();
}
