using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Durable state (section <c>Storage</c>): PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise the
/// SQLite file <c>sutazai.db</c> in <see cref="DataDirectory"/>.
/// </summary>
internal sealed class StorageOptions
{
    public const string Section = "Storage";

    [Required]
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Filled from ConnectionStrings:Postgres.</summary>
    public string? PostgresConnectionString { get; set; }
}

[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
