namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// Tests that measure latency or count the process's open sockets run alone (xunit runs a collection with
/// parallelisation disabled after, and apart from, all the others), so other tests' load cannot skew them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "Hardening: timing-sensitive";
}
