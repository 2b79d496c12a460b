using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>The seed spec's page/per_page query parameters (§6.3), validated the same way on every list route.</summary>
internal static class Paging
{
    /// <summary>Keeps (page - 1) * per_page far from overflowing into a negative offset.</summary>
    public const int MaxPage = 1_000_000;

    public static (int Page, int PerPage) Read(int? page, int? perPage, int defaultPerPage, int maxPerPage)
    {
        var number = page ?? 1;
        var size = perPage ?? defaultPerPage;
        if (number is < 1 or > MaxPage)
        {
            throw GatewayException.Invalid($"page must be between 1 and {MaxPage}", "page");
        }

        return size is < 1 || size > maxPerPage
            ? throw GatewayException.Invalid($"per_page must be between 1 and {maxPerPage}", "per_page")
            : (number, size);
    }

    public static bool HasNext(int page, int perPage, long total) => (long)page * perPage < total;
}
