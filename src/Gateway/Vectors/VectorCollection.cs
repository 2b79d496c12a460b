namespace SutazAi.Gateway.Vectors;

internal sealed record VectorCollection(string Name, int Dimension, VectorDistance Distance, long PointsCount);
