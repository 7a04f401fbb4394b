using NetTopologySuite.Geometries;

namespace Atlas.Protocol.Geo;

/// <summary>Coordinates leave a node at city precision unless an organisation marks its address public:
/// snapped to a 0.01° grid (≈1 km), never the building.</summary>
public static class GeoPrivacy
{
    public const double GridDegrees = 0.01;
    private static readonly GeometryFactory Factory = new(new PrecisionModel(1 / GridDegrees), 4326);

    public static bool IsValid(double lat, double lon) =>
        double.IsFinite(lat) && double.IsFinite(lon) && lat is >= -90 and <= 90 && lon is >= -180 and <= 180;

    /// <summary>Snaps a point to the privacy grid (NetTopologySuite fixed precision model).</summary>
    public static (double Lat, double Lon) Snap(double lat, double lon)
    {
        var c = new Coordinate(lon, lat);
        Factory.PrecisionModel.MakePrecise(c);
        return (Math.Round(c.Y, 2), Math.Round(c.X, 2));
    }

    public static bool IsOnGrid(double lat, double lon)
    {
        var (sLat, sLon) = Snap(lat, lon);
        return Math.Abs(sLat - lat) < 1e-9 && Math.Abs(sLon - lon) < 1e-9;
    }

    public static Point ToPoint(double lat, double lon) => Factory.CreatePoint(new Coordinate(lon, lat));
}
