using System.ComponentModel;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

namespace SutazAi.Plugins.Documents;

/// <summary>
/// document_analyzer: lists the caller's documents, computes a document's statistics (counts, reading time, most
/// frequent terms) from its stored text, and retrieves the passages that answer a question.
/// </summary>
public static partial class DocumentAnalyzer
{
    private static readonly HashSet<string> StopWords = new(
        """
        a about above after again against all am an and any are as at be because been before being below between both but by can could
        did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in
        into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own
        same she should so some such than that the their theirs them themselves then there these they this those through to too under
        until up very was we were what when where which while who whom why will with would you your yours yourself yourselves
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    public static AIFunction AsTool(IDocumentSource source) => AIFunctionFactory.Create(
        async ([Description("\"list\": your documents; \"statistics\": counts and frequent terms of one document; \"search\": passages that answer a query.")]
            Action action,
            [Description("The document's id (from \"list\"); required for \"statistics\", optional for \"search\".")] string? document_id = null,
            [Description("For \"search\": the question or topic, in plain words.")] string? query = null,
            [Description("For \"search\": how many passages, 1 to 10; 4 when omitted.")] int? top_k = null,
            CancellationToken cancellationToken = default) => action switch
            {
                Action.List => (object)await source.ListAsync(50, cancellationToken).ConfigureAwait(false),
                Action.Statistics => await StatisticsAsync(source, document_id, cancellationToken).ConfigureAwait(false),
                _ => await SearchAsync(source, query, document_id, top_k, cancellationToken).ConfigureAwait(false),
            },
        "document_analyzer",
        "Works on the documents the user uploaded: lists them, gives a document's statistics, or finds the passages that answer a question.");

    /// <summary>Counts, reading time and the most frequent non-stop-word terms of a text.</summary>
    public static DocumentStatistics Analyze(DocumentInfo info, string text)
    {
        List<string> words;
        int paragraphs;
        try
        {
            words = [.. WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant())];
            paragraphs = ParagraphPattern().Split(text).Count(p => !string.IsNullOrWhiteSpace(p));
        }
        catch (RegexMatchTimeoutException)
        {
            throw new ToolException("the document is too large to analyse in time");
        }

        var sentences = Sentences(text);
        var terms = words.Where(w => w.Length > 2 && !StopWords.Contains(w)).CountBy(w => w)
            .OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Take(10)
            .Select(t => new TermCount(t.Key, t.Value)).ToList();
        return new DocumentStatistics(info.Id, info.Title, text.Length, words.Count, sentences, paragraphs,
            sentences == 0 ? words.Count : Math.Round((double)words.Count / sentences, 1),
            Math.Max(1, (int)Math.Ceiling(words.Count / 200.0)), info.Chunks, terms);
    }

    private static async Task<object> StatisticsAsync(IDocumentSource source, string? id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ToolException("\"statistics\" needs a document_id; use action \"list\" to find it");
        }

        var document = await source.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolException($"there is no document '{id}'; use action \"list\" to see your documents");
        return Analyze(document.Info, document.Text);
    }

    private static async Task<object> SearchAsync(IDocumentSource source, string? query, string? id, int? topK, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ToolException("\"search\" needs a query");
        }

        if (id is not null && await source.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ToolException($"there is no document '{id}'; use action \"list\" to see your documents");
        }

        return await source.SearchAsync(query, id, Math.Clamp(topK ?? 4, 1, 10), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs of text ended by '.', '!' or '?' (or the end) that hold a letter or a digit; one pass.</summary>
    private static int Sentences(string text)
    {
        var count = 0;
        var content = false;
        foreach (var c in text)
        {
            if (c is '.' or '!' or '?')
            {
                count += content ? 1 : 0;
                content = false;
            }
            else if (char.IsLetterOrDigit(c))
            {
                content = true;
            }
        }

        return count + (content ? 1 : 0);
    }

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'’-]*", RegexOptions.None, matchTimeoutMilliseconds: 5000)]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"\n[^\S\n]*\n", RegexOptions.None, matchTimeoutMilliseconds: 5000)]
    private static partial Regex ParagraphPattern();

    [System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<Action>))]
    public enum Action
    {
        [System.Text.Json.Serialization.JsonStringEnumMemberName("list")] List,
        [System.Text.Json.Serialization.JsonStringEnumMemberName("statistics")] Statistics,
        [System.Text.Json.Serialization.JsonStringEnumMemberName("search")] Search,
    }

    public sealed record TermCount(string Term, int Count);

    public sealed record DocumentStatistics(string DocumentId, string Title, int Characters, int Words, int Sentences, int Paragraphs,
        double AverageWordsPerSentence, int ReadingMinutes, int Chunks, IReadOnlyList<TermCount> TopTerms);
}
