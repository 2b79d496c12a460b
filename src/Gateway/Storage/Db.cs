using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SutazAi.Gateway.Storage;

/// <summary>Small ADO.NET helpers shared by both providers.</summary>
internal static class Db
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>SQLite: a transaction that holds the write lock from its first statement (no upgrade deadlocks).</summary>
    public static DbTransaction BeginImmediate(DbConnection connection) =>
        // Microsoft.Data.Sqlite issues BEGIN IMMEDIATE for a non-deferred transaction.
        ((SqliteConnection)connection).BeginTransaction(deferred: false);

    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
