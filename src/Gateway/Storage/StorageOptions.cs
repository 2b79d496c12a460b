using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Storage;

/// <summary>
/// Durable state (section <c>Storage</c>): PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise an
/// SQLite file in <see cref="DataDirectory"/>.
/// </summary>
internal sealed class StorageOptions
{
    public const string Section = "Storage";

    [Required]
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Bound from ConnectionStrings:Postgres by the hosting extension.</summary>
    public string? PostgresConnectionString { get; set; }
}

[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
