namespace SutazAi.Agents.Runtime;

/// <summary>
/// Thrown by a tool (or a wrapper around the model) to end the whole run rather than hand the model an error result:
/// a limit shared by several runs was reached. The tool loop never turns it into a tool result.
/// </summary>
public sealed class RunAbortedException : Exception
{
    public RunAbortedException()
    {
    }

    public RunAbortedException(string message)
        : base(message)
    {
    }

    public RunAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
