using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Streaming;

/// <summary>
/// Reads an upstream NDJSON body line by line as bytes arrive (no buffering beyond one line). Each line
/// restarts the lease's idle timeout. A yielded line is valid until the next MoveNextAsync.
/// </summary>
internal static class NdjsonReader
{
    /// <summary>A single line longer than this is an upstream fault, not something to buffer.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLinesAsync(UpstreamLease lease, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = await lease.Response.Content.ReadAsStreamAsync(lease.Token).ConfigureAwait(false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(lease.Token).ConfigureAwait(false);
                lease.Touch();
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (!IsBlank(line))
                    {
                        yield return line.IsSingleSegment ? line.First : line.ToArray();
                    }
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty && !IsBlank(buffer))
                    {
                        yield return buffer.ToArray();
                    }

                    reader.AdvanceTo(buffer.End);
                    yield break;
                }

                if (buffer.Length > MaxLineBytes)
                {
                    throw new InvalidDataException("An upstream NDJSON line exceeded the size limit.");
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
