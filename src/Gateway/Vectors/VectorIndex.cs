using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SutazAi.Gateway.Vectors;

/// <summary>
/// One collection's points in memory for exact search: the vectors in one contiguous array (cosine vectors
/// normalised once, on insert), scanned with SIMD and, for large collections, on every core; a bounded heap per
/// partition keeps the best matches. The embedded store keeps it in step with the database through the collection's
/// version (<see cref="Version"/>): every write bumps it, and a reader applies the rows written since.
/// </summary>
#pragma warning disable CA1001 // Not disposable on purpose: a replaced index may still be searched; its lock holds nothing that needs releasing.
internal sealed class VectorIndex
#pragma warning restore CA1001
{
    private const int ParallelThreshold = 16_384;
    // Never disposed: a replaced index may still be searched by a request that found it a moment before.
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private float[] _vectors;
    private string?[] _ids;
    private IReadOnlyDictionary<string, JsonElement>[] _payloads;
    private int _used;

    public VectorIndex(string uid, int dimension, VectorDistance distance)
    {
        Uid = uid;
        Dimension = dimension;
        Distance = distance;
        _vectors = new float[dimension * 64];
        _ids = new string?[64];
        _payloads = new IReadOnlyDictionary<string, JsonElement>[64];
    }

    /// <summary>The collection incarnation this index belongs to: a collection deleted and created again is another.</summary>
    public string Uid { get; }

    public int Dimension { get; }

    public VectorDistance Distance { get; }

    /// <summary>The highest collection version applied.</summary>
    public long Version { get; private set; }

    public int Count
    {
        get
        {
            _gate.EnterReadLock();
            try
            {
                return _slots.Count;
            }
            finally
            {
                _gate.ExitReadLock();
            }
        }
    }

    /// <summary>Applies rows read from the store (upserts and tombstones), then records the version they bring it to.</summary>
    public void Apply(IEnumerable<(string Id, bool Deleted, float[]? Vector, IReadOnlyDictionary<string, JsonElement>? Payload)> rows, long version)
    {
        _gate.EnterWriteLock();
        try
        {
            foreach (var (id, deleted, vector, payload) in rows)
            {
                if (deleted)
                {
                    Remove(id);
                }
                else
                {
                    Put(id, vector!, payload!);
                }
            }

            Version = Math.Max(Version, version);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }


    /// <summary>The ids of the points a filter selects.</summary>
    public List<string> Select(VectorFilter filter)
    {
        _gate.EnterReadLock();
        try
        {
            var ids = new List<string>();
            for (var slot = 0; slot < _used; slot++)
            {
                if (_ids[slot] is { } id && filter.Matches(_payloads[slot]))
                {
                    ids.Add(id);
                }
            }

            return ids;
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    public long CountMatching(VectorFilter filter) => filter.IsEmpty ? Count : Select(filter).Count;

    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int limit, VectorFilter filter, double? scoreThreshold)
    {
        var probe = query.ToArray();
        if (Distance == VectorDistance.Cosine)
        {
            Normalize(probe);
        }

        _gate.EnterReadLock();
        try
        {
            var used = _used;
            var partitions = used >= ParallelThreshold ? Math.Min(Environment.ProcessorCount, 8) : 1;
            var heaps = new TopK[partitions];
            if (partitions == 1)
            {
                heaps[0] = Scan(probe, 0, used, limit, filter, scoreThreshold);
            }
            else
            {
                var size = (used + partitions - 1) / partitions;
                Parallel.For(0, partitions, p => heaps[p] = Scan(probe, p * size, Math.Min(used, (p + 1) * size), limit, filter, scoreThreshold));
            }

            var best = new TopK(limit);
            foreach (var heap in heaps)
            {
                foreach (var (slot, key) in heap.Items)
                {
                    best.Offer(slot, key);
                }
            }

            return [.. best.Items.OrderByDescending(i => i.Key).ThenBy(i => _ids[i.Slot], StringComparer.Ordinal)
                .Select(i => new VectorMatch(_ids[i.Slot]!, Distance == VectorDistance.Euclid ? -i.Key : i.Key, _payloads[i.Slot]))];
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    private TopK Scan(float[] probe, int from, int to, int limit, VectorFilter filter, double? scoreThreshold)
    {
        var heap = new TopK(limit);
        var dimension = Dimension;
        var all = _vectors.AsSpan();
        var query = probe.AsSpan();
        for (var slot = from; slot < to; slot++)
        {
            if (_ids[slot] is null || (!filter.IsEmpty && !filter.Matches(_payloads[slot])))
            {
                continue;
            }

            var vector = all.Slice(slot * dimension, dimension);

            // Ranked by a key where higher is better: the score itself, or minus the euclidean distance.
            var key = Distance == VectorDistance.Euclid ? -Math.Sqrt(SquaredDistance(query, vector)) : Dot(query, vector);
            if (scoreThreshold is { } threshold && (Distance == VectorDistance.Euclid ? -key > threshold : key < threshold))
            {
                continue;
            }

            heap.Offer(slot, key);
        }

        return heap;
    }

    private void Put(string id, float[] vector, IReadOnlyDictionary<string, JsonElement> payload)
    {
        if (!_slots.TryGetValue(id, out var slot))
        {
            slot = _free.Count > 0 ? _free.Pop() : _used++;
            Grow(slot + 1);
            _slots[id] = slot;
        }

        var target = _vectors.AsSpan(slot * Dimension, Dimension);
        vector.AsSpan(0, Dimension).CopyTo(target);
        if (Distance == VectorDistance.Cosine)
        {
            Normalize(target);
        }

        _ids[slot] = id;
        _payloads[slot] = payload;
    }

    private void Remove(string id)
    {
        if (_slots.Remove(id, out var slot))
        {
            _ids[slot] = null;
            _payloads[slot] = null!;
            _free.Push(slot);
        }
    }

    private void Grow(int slots)
    {
        if (slots <= _ids.Length)
        {
            return;
        }

        var capacity = Math.Max(slots, _ids.Length * 2);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _payloads, capacity);
        Array.Resize(ref _vectors, capacity * Dimension);
    }

    internal static void Normalize(Span<float> vector)
    {
        var norm = Math.Sqrt(Dot(vector, vector));
        if (norm > 0)
        {
            var scale = (float)(1 / norm);
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] *= scale;
            }
        }
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var width = Vector<float>.Count;
        var i = 0;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var v = 0; v < va.Length; v++)
        {
            sum += va[v] * vb[v];
        }

        i = va.Length * width;
        double total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var v = 0; v < va.Length; v++)
        {
            var d = va[v] - vb[v];
            sum += d * d;
        }

        double total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    /// <summary>The k best (slot, key) pairs seen, as a min-heap on key.</summary>
    private sealed class TopK(int k)
    {
        private readonly PriorityQueue<int, double> _heap = new(k + 1);

        public IEnumerable<(int Slot, double Key)> Items => _heap.UnorderedItems.Select(i => (i.Element, i.Priority));

        public void Offer(int slot, double key)
        {
            if (_heap.Count < k)
            {
                _heap.Enqueue(slot, key);
            }
            else if (k > 0 && _heap.TryPeek(out _, out var worst) && key > worst)
            {
                _heap.DequeueEnqueue(slot, key);
            }
        }
    }
}
