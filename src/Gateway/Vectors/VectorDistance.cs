namespace SutazAi.Gateway.Vectors;

/// <summary>How similarity is scored. Cosine and dot: higher is closer. Euclid: the distance, lower is closer.</summary>
internal enum VectorDistance
{
    Cosine,
    Dot,
    Euclid,
}
