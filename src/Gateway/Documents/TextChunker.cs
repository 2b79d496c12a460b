namespace SutazAi.Gateway.Documents;

/// <summary>
/// Splits text into chunks of at most <c>size</c> characters, each starting with the last <c>overlap</c> characters of
/// the one before (so a sentence cut at a boundary is whole in one of them). A chunk ends at the best break in its
/// second half: a paragraph, else a sentence end, else a space; the overlap starts on a word.
/// </summary>
internal static class TextChunker
{
    public static List<string> Split(string text, int size, int overlap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        overlap = Math.Clamp(overlap, 0, size / 2);
        var chunks = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var end = Math.Min(text.Length, start + size);
            if (end < text.Length)
            {
                end = BestBreak(text, start + (size / 2), end);
            }

            var chunk = text[start..end].Trim();
            if (chunk.Length > 0)
            {
                chunks.Add(chunk);
            }

            if (end >= text.Length)
            {
                break;
            }

            var next = end - overlap;
            if (overlap > 0)
            {
                // Start the overlap on a word, not inside one.
                while (next < end && !char.IsWhiteSpace(text[next - 1]))
                {
                    next++;
                }
            }

            start = Math.Max(next, start + 1);
        }

        return chunks;
    }

    private static int BestBreak(string text, int from, int to)
    {
        var window = text.AsSpan(from, to - from);
        var paragraph = window.LastIndexOf("\n\n");
        if (paragraph >= 0)
        {
            return from + paragraph + 2;
        }

        for (var i = window.Length - 1; i > 0; i--)
        {
            if (window[i] is ' ' or '\n' && window[i - 1] is '.' or '!' or '?')
            {
                return from + i + 1;
            }
        }

        var space = window.LastIndexOfAny(' ', '\n');
        return space >= 0 ? from + space + 1 : to;
    }
}
