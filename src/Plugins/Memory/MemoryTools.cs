using System.ComponentModel;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

namespace SutazAi.Plugins.Memory;

/// <summary>memory_search and memory_save over the calling user's memory for the running agent.</summary>
public static class MemoryTools
{
    public const int MaxMemoryCharacters = 4000;

    public static AIFunction Search(IMemoryScope scope) => AIFunctionFactory.Create(
        async ([Description("What to look for, in plain words.")] string query,
            [Description("How many memories to return, 1 to 20; 5 when omitted.")] int? limit = null,
            CancellationToken cancellationToken = default) =>
        {
            if (string.IsNullOrWhiteSpace(query))
            {
                throw new ToolException("the query is empty");
            }

            var items = await scope.SearchAsync(query, Math.Clamp(limit ?? 5, 1, 20), cancellationToken).ConfigureAwait(false);
            return new SearchResult(items.Count, items);
        },
        "memory_search",
        "Searches your long-term memory of this user for facts saved earlier, by meaning. Returns the closest memories with a similarity score.");

    public static AIFunction Save(IMemoryScope scope) => AIFunctionFactory.Create(
        async ([Description("The fact to remember, as one self-contained sentence.")] string text, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new ToolException("there is nothing to save");
            }

            if (text.Length > MaxMemoryCharacters)
            {
                throw new ToolException($"a memory holds at most {MaxMemoryCharacters} characters; save a shorter summary");
            }

            return new SaveResult(await scope.SaveAsync(text.Trim(), cancellationToken).ConfigureAwait(false), Saved: true);
        },
        "memory_save",
        "Saves a fact about this user or task to your long-term memory, so a later conversation can find it with memory_search.");

    public sealed record SearchResult(int Count, IReadOnlyList<MemoryItem> Memories);

    public sealed record SaveResult(string Id, bool Saved);
}
